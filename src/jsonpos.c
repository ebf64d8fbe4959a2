/* A minimal JSON tokenizer for locating values; see jsonpos.h.  Whitespace
 * and the UTF-8 BOM are treated as cJSON treats them (every byte <= 0x20 is
 * whitespace) so offsets agree with what cJSON parsed. */
#include <stdint.h>
#include <string.h>

#include "jsonpos.h"

struct cur {
	const char *s;
	size_t len;
	size_t i;
};

static void skip_ws(struct cur *c)
{
	while (c->i < c->len && (unsigned char)c->s[c->i] <= 0x20)
		c->i++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads 4 hex digits at s[i..i+4). Returns the value or -1. */
static long hex4(const struct cur *c, size_t i)
{
	long v = 0;
	if (i + 4 > c->len)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hexval(c->s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* c->i at the opening quote; leaves it after the closing quote. */
static int skip_string(struct cur *c)
{
	if (c->i >= c->len || c->s[c->i] != '"')
		return -1;
	for (c->i++; c->i < c->len; c->i++) {
		if (c->s[c->i] == '\\')
			c->i++;
		else if (c->s[c->i] == '"') {
			c->i++;
			return 0;
		}
	}
	return -1;
}

/* Decode one (possibly escaped) character of a string at c->i into out[],
 * advancing c->i.  Returns the number of bytes written, 0 at the closing
 * quote (not consumed), -1 on malformed input. */
static int next_char(struct cur *c, unsigned char out[4])
{
	if (c->i >= c->len)
		return -1;
	unsigned char ch = (unsigned char)c->s[c->i];
	if (ch == '"')
		return 0;
	if (ch != '\\') {
		out[0] = ch;
		c->i++;
		return 1;
	}
	if (c->i + 1 >= c->len)
		return -1;
	char e = c->s[c->i + 1];
	c->i += 2;
	switch (e) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case '"': case '\\': case '/': out[0] = (unsigned char)e; return 1;
	case 'u': break;
	default: return -1;
	}
	long cp = hex4(c, c->i);
	if (cp < 0)
		return -1;
	c->i += 4;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (c->i + 6 > c->len || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
			return -1;
		long lo = hex4(c, c->i + 2);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return -1;
		c->i += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Compare the string token at c->i (opening quote) with key, unescaping
 * without allocating; leaves c->i after the closing quote.  Returns 1 if
 * equal, 0 if not, -1 on malformed input. */
static int string_eq(struct cur *c, const char *key)
{
	const unsigned char *k = (const unsigned char *)key;
	bool eq = true;
	if (c->i >= c->len || c->s[c->i] != '"')
		return -1;
	c->i++;
	for (;;) {
		unsigned char buf[4];
		int n = next_char(c, buf);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		for (int j = 0; j < n && eq; j++) {
			/* a NUL in the text must not match the key's end and
			 * step past it */
			if (*k == '\0' || *k != buf[j])
				eq = false;
			else
				k++;
		}
	}
	c->i++; /* closing quote */
	return eq && *k == '\0';
}

/* Skip any value (no recursion: brackets are only counted, strings
 * skipped).  c->i at its first byte. */
static int skip_value(struct cur *c)
{
	size_t depth = 0;
	if (c->i >= c->len)
		return -1;
	do {
		if (c->i >= c->len)
			return -1;
		char ch = c->s[c->i];
		if (ch == '"') {
			if (skip_string(c) < 0)
				return -1;
		} else if (ch == '[' || ch == '{') {
			depth++;
			c->i++;
		} else if (ch == ']' || ch == '}') {
			if (depth == 0)
				return -1;
			depth--;
			c->i++;
		} else if (depth > 0) {
			c->i++;
		} else {
			/* scalar at top: number, true, false, null */
			size_t start = c->i;
			while (c->i < c->len && !strchr(",]}", c->s[c->i]) &&
			       (unsigned char)c->s[c->i] > 0x20)
				c->i++;
			if (c->i == start)
				return -1;
		}
	} while (depth > 0);
	return 0;
}

/* c->i at '{'; find the n-th occurrence of key.  On success c->i is at its
 * value and *key_off at its opening quote. */
static int find_key(struct cur *c, const char *key, size_t n, size_t *key_off)
{
	if (c->i >= c->len || c->s[c->i] != '{')
		return -1;
	c->i++;
	skip_ws(c);
	if (c->i < c->len && c->s[c->i] == '}')
		return -1;
	for (;;) {
		skip_ws(c);
		size_t koff = c->i;
		int eq = string_eq(c, key);
		if (eq < 0)
			return -1;
		skip_ws(c);
		if (c->i >= c->len || c->s[c->i] != ':')
			return -1;
		c->i++;
		skip_ws(c);
		if (eq && n-- == 0) {
			*key_off = koff;
			return 0;
		}
		if (skip_value(c) < 0)
			return -1;
		skip_ws(c);
		if (c->i >= c->len || c->s[c->i] != ',')
			return -1; /* '}' or garbage: not found */
		c->i++;
	}
}

/* c->i at '['; move to element n. */
static int find_index(struct cur *c, size_t n)
{
	if (c->i >= c->len || c->s[c->i] != '[')
		return -1;
	c->i++;
	skip_ws(c);
	if (c->i < c->len && c->s[c->i] == ']')
		return -1;
	for (size_t k = 0;; k++) {
		skip_ws(c);
		if (k == n)
			return c->i < c->len ? 0 : -1;
		if (skip_value(c) < 0)
			return -1;
		skip_ws(c);
		if (c->i >= c->len || c->s[c->i] != ',')
			return -1;
		c->i++;
	}
}

int jsonpos_find(const char *text, size_t len, const struct jsonpos_step *path, size_t npath,
		 bool at_key, size_t *off)
{
	struct cur c = { .s = text, .len = len, .i = 0 };
	size_t key_off = 0;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		c.i = 3;
	skip_ws(&c);
	for (size_t k = 0; k < npath; k++) {
		int r = path[k].key ? find_key(&c, path[k].key, path[k].n, &key_off)
				    : find_index(&c, path[k].n);
		if (r < 0)
			return -1;
	}
	if (c.i >= len)
		return -1;
	*off = (at_key && npath > 0 && path[npath - 1].key) ? key_off : c.i;
	return 0;
}

int jsonpos_find_nul_escape(const char *text, size_t len, size_t *off)
{
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		if (!in_string) {
			if (text[i] == '"')
				in_string = true;
		} else if (text[i] == '"') {
			in_string = false;
		} else if (text[i] == '\\') {
			if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0) {
				*off = i;
				return 0;
			}
			i++;
		}
	}
	return -1;
}

void jsonpos_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, cl = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '\n') {
			l++;
			cl = 1;
		} else if ((ch & 0xC0) != 0x80) {
			cl++;
		}
	}
	*line = l;
	*col = cl;
}
