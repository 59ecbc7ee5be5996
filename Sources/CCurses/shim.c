#include "CCurses.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

WINDOW *ccurses_stdscr(void) { return stdscr; }
int ccurses_cols(void) { return COLS; }
int ccurses_lines(void) { return LINES; }
int ccurses_colors(void) { return COLORS; }
int ccurses_color_pair(int pair) { return (int)COLOR_PAIR(pair); }
int ccurses_attr_bold(void) { return (int)A_BOLD; }
int ccurses_attr_dim(void) { return (int)A_DIM; }
int ccurses_attr_reverse(void) { return (int)A_REVERSE; }
int ccurses_attr_underline(void) { return (int)A_UNDERLINE; }
int ccurses_key_resize(void) { return KEY_RESIZE; }
int ccurses_key_up(void) { return KEY_UP; }
int ccurses_key_down(void) { return KEY_DOWN; }
int ccurses_key_left(void) { return KEY_LEFT; }
int ccurses_key_right(void) { return KEY_RIGHT; }
int ccurses_key_ppage(void) { return KEY_PPAGE; }
int ccurses_key_npage(void) { return KEY_NPAGE; }
int ccurses_key_home(void) { return KEY_HOME; }
int ccurses_key_end(void) { return KEY_END; }
int ccurses_key_backspace(void) { return KEY_BACKSPACE; }
int ccurses_key_enter(void) { return KEY_ENTER; }
int ccurses_key_btab(void) { return KEY_BTAB; }

int ccurses_put_utf8(int y, int x, const char *utf8, int attrs, int pair) {
    wchar_t wide[8];
    size_t count = mbstowcs(wide, utf8, 7);
    if (count == (size_t)-1 || count == 0) return ERR;
    wide[count] = 0;
    cchar_t cell;
    if (setcchar(&cell, wide, (attr_t)attrs, (short)pair, NULL) == ERR) return ERR;
    return mvadd_wch(y, x, &cell);
}

int ccurses_get_wch(unsigned int *out) {
    wint_t key = 0;
    int result = get_wch(&key);
    *out = (unsigned int)key;
    return result;
}

int ccurses_input_hung_up(void) {
    struct pollfd input = {.fd = STDIN_FILENO, .events = POLLIN};
    return poll(&input, 1, 0) == 1 && (input.revents & (POLLHUP | POLLERR | POLLNVAL)) ? 1 : 0;
}

int ccurses_key_dc(void) { return KEY_DC; }
int ccurses_ok(void) { return OK; }
int ccurses_key_code_yes(void) { return KEY_CODE_YES; }

static SCREEN *ccurses_screen = NULL;
static int ccurses_colors_on = 0;
static struct termios ccurses_saved_modes;
static int ccurses_modes_saved = 0;

int ccurses_start(int want_colors, int timeout_ms) {
    setlocale(LC_ALL, "");
    if (tcgetattr(STDIN_FILENO, &ccurses_saved_modes) == 0) ccurses_modes_saved = 1;
    if (getenv("ESCDELAY") == NULL) set_escdelay(25);
    ccurses_screen = newterm(NULL, stdout, stdin);
    if (ccurses_screen == NULL) return -1;
    set_term(ccurses_screen);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    // Left clicks only: no motion reports, so a terminal that has mouse tracking keeps its own text selection on
    // Shift-drag, and no click delay, so a press reaches the screen at once.
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
    mouseinterval(0);
    curs_set(0);
    timeout(timeout_ms);
    ccurses_colors_on = 0;
    if (want_colors && has_colors()) {
        start_color();
        use_default_colors();
        for (short color = 0; color < 8 && color + 1 < COLOR_PAIRS; color++) init_pair(color + 1, color, -1);
        ccurses_colors_on = 1;
    }
    return 0;
}

int ccurses_has_colors(void) { return ccurses_colors_on; }

void ccurses_stop(void) {
    if (ccurses_screen != NULL && !isendwin()) {
        curs_set(1);
        endwin();
    }
}

int ccurses_put_text(int y, int x, const char *utf8, int attrs, int pair) {
    wchar_t stack[512];
    size_t length = strlen(utf8);
    wchar_t *wide = length < 511 ? stack : malloc((length + 1) * sizeof(wchar_t));
    if (wide == NULL) return ERR;
    size_t count = mbstowcs(wide, utf8, length + 1);
    int result = ERR;
    if (count != (size_t)-1) {
        attr_set((attr_t)attrs, (short)pair, NULL);
        result = mvaddnwstr(y, x, wide, (int)count);
        attr_set(A_NORMAL, 0, NULL);
    }
    if (wide != stack) free(wide);
    return result;
}

void ccurses_clear(void) { clearok(stdscr, TRUE); }
void ccurses_refresh(void) { refresh(); }
void ccurses_set_timeout(int timeout_ms) { timeout(timeout_ms); }

void ccurses_emergency_restore(void) {
    if (ccurses_modes_saved) tcsetattr(STDIN_FILENO, TCSANOW, &ccurses_saved_modes);
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)ignored;
}

static void ccurses_crash(int sig) {
    ccurses_emergency_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

void ccurses_install_crash_restore(void) {
    int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = ccurses_crash;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigaction(signals[i], &action, NULL);
    }
}

static volatile pid_t ccurses_child = 0;

static void ccurses_forward(int sig) {
    if (ccurses_child > 0) kill(ccurses_child, sig);
}

int ccurses_supervise(void) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        return fds[1];
    }
    close(fds[1]);
    ccurses_child = pid;
    int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = ccurses_forward;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(forwarded[i], &action, NULL);
    }
    for (;;) {
        char byte;
        ssize_t n = read(fds[0], &byte, 1);
        if (n == 1) _exit(0);
        if (n == 0) break;
        if (errno != EINTR) break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) _exit(1);
    }
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
    }
    _exit(1);
}

int ccurses_detach(int fd) {
    if (setsid() < 0) return -1;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > 2) close(null);
    }
    char byte = 'd';
    if (fd >= 0 && write(fd, &byte, 1) != 1) return -1;
    if (fd >= 0) close(fd);
    return 0;
}

int ccurses_key_mouse(void) { return KEY_MOUSE; }

int ccurses_get_mouse(int *x, int *y, int *left_press) {
    MEVENT event;
    if (getmouse(&event) != OK) return ERR;
    *x = event.x;
    *y = event.y;
    *left_press = (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0;
    return OK;
}
