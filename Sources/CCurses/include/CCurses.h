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

#endif
