#ifndef CCURSES_H
#define CCURSES_H
// ncursesw reached from Swift: its globals (stdscr, COLS, LINES) and attribute macros are not importable under
// Swift 6's strict concurrency, so they are wrapped here as plain functions.
#include <ncursesw/curses.h>
#include <locale.h>

WINDOW *ccurses_stdscr(void);
int ccurses_cols(void);
int ccurses_lines(void);
int ccurses_colors(void);
int ccurses_color_pair(int pair);
int ccurses_attr_bold(void);
int ccurses_attr_dim(void);
int ccurses_attr_reverse(void);
int ccurses_attr_underline(void);
int ccurses_key_resize(void);
int ccurses_key_up(void);
int ccurses_key_down(void);
int ccurses_key_left(void);
int ccurses_key_right(void);
int ccurses_key_ppage(void);
int ccurses_key_npage(void);
int ccurses_key_home(void);
int ccurses_key_end(void);
int ccurses_key_backspace(void);
int ccurses_key_enter(void);
int ccurses_key_btab(void);
/// Puts one UTF-8 encoded grapheme at (y, x) with attributes; wide-character output needs a cchar_t.
int ccurses_put_utf8(int y, int x, const char *utf8, int attrs, int pair);
/// Reads one key as a wide character; returns OK, KEY_CODE_YES or ERR, as get_wch does.
int ccurses_get_wch(unsigned int *out);
/// 1 when the terminal's input has hung up (its other end closed), else 0; does not wait.
int ccurses_input_hung_up(void);

int ccurses_key_dc(void);
int ccurses_key_mouse(void);
/// After get_wch returned KEY_MOUSE: the event's cell and whether it was a left-button press or click (1), else 0.
/// Returns OK, or ERR when there was no event to read.
int ccurses_get_mouse(int *x, int *y, int *left_press);
int ccurses_ok(void);
int ccurses_key_code_yes(void);

/// Starts curses on the terminal without exiting the process when that fails (as initscr would): the locale from
/// the environment, raw keys (Ctrl-C is a key, not a signal), no echo, keypad keys decoded, hidden cursor, a
/// 25 ms escape delay, getch waiting at most `timeout_ms`. Colours are set up when `want_colors` and the terminal
/// has them: pair n (1–8) is colour n−1 on the terminal's default background. Returns 0, or -1 when the terminal
/// cannot be opened. Also saves the terminal's modes for `ccurses_emergency_restore`.
int ccurses_start(int want_colors, int timeout_ms);
/// Whether colours were set up.
int ccurses_has_colors(void);
/// Ends curses and restores the terminal (endwin); safe to call twice.
void ccurses_stop(void);
/// Puts UTF-8 text at (y, x) with attributes and colour pair; returns ERR when the text is not valid in the locale.
int ccurses_put_text(int y, int x, const char *utf8, int attrs, int pair);
/// Forgets what is on the screen so the next refresh redraws everything (after a resize).
void ccurses_clear(void);
void ccurses_refresh(void);
void ccurses_set_timeout(int timeout_ms);
/// Restores the terminal from a crash handler: the saved termios, the normal screen, a visible cursor. Uses only
/// async-signal-safe calls.
void ccurses_emergency_restore(void);
/// Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT and SIGFPE that restore the terminal and then
/// let the signal take its default course (a core dump, a crash report).
void ccurses_install_crash_restore(void);

/// Splits the process in two so that runs can outlive the terminal session: the parent waits and forwards
/// SIGINT, SIGTERM, SIGHUP and SIGQUIT to the child, which returns from this call and does all the work. When
/// the child writes one byte to the returned descriptor, the parent exits 0 at once (the shell gets its prompt
/// back while the child keeps training); otherwise the parent exits with the child's status. Call before any
/// thread is started. Returns -1 (and does not fork) when fork or pipe fail.
int ccurses_supervise(void);
/// In the child after `ccurses_supervise`: leaves the terminal's session and points stdin, stdout and stderr at
/// /dev/null, then tells the parent to exit. Returns 0 on success.
int ccurses_detach(int fd);

#endif
