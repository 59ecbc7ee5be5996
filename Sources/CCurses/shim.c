#include "CCurses.h"
#include <stdlib.h>
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
