package schema

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// A minimal JSON scanner for the fast path. It accepts exactly the documents
// encoding/json accepts (which the library decodes with), assuming the input
// is valid UTF-8 (both paths check that first): RFC 8259 grammar, no control
// characters in strings, nesting depth at most 10000.

const maxDepth = 10000

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString scans the string starting at b[i] == '"'. It returns the index
// after the closing quote and whether the content has escapes.
func scanString(b []byte, i int) (end int, esc, ok bool) {
	j := i + 1
	// Skip 8 plain bytes at a time (no '"', '\\' or control byte); the
	// byte loop below handles whatever word holds one.
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for j+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[j:])
		q := w ^ (lo * '"')
		s := w ^ (lo * '\\')
		if ((w-lo*0x20)&^w|(q-lo)&^q|(s-lo)&^s)&hi != 0 {
			break
		}
		j += 8
	}
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			return j + 1, esc, true
		case c == '\\':
			esc = true
			if j+1 >= len(b) {
				return j, esc, false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) || getu4(b[j+2:j+6]) < 0 {
					return j, esc, false
				}
				j += 6
			default:
				return j, esc, false
			}
		case c < 0x20:
			return j, esc, false
		default:
			j++
		}
	}
	return j, esc, false
}

func getu4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unescape appends the decoded content of an escaped string body (without
// quotes) to dst, exactly as encoding/json decodes it (lone surrogates
// become U+FFFD).
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := getu4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, getu4(s[i+2:])); dec != utf8.RuneError {
						dst = utf8.AppendRune(dst, dec)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

// skipValue scans any JSON value starting at b[i] (no leading whitespace)
// and returns the index after it. depth counts the enclosing containers.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; c {
	case '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case '{', '[':
		if depth+1 > maxDepth {
			return i, false
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == closer {
			return i + 1, true
		}
		for {
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return i, false
				}
				end, _, ok := scanString(b, i)
				if !ok {
					return end, false
				}
				i = skipWS(b, end)
				if i >= len(b) || b[i] != ':' {
					return i, false
				}
				i = skipWS(b, i+1)
			}
			end, ok := skipValue(b, i, depth+1)
			if !ok {
				return end, false
			}
			i = skipWS(b, end)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if b[i] == closer {
				return i + 1, true
			}
			return i, false
		}
	case 't':
		return literal(b, i, "true")
	case 'f':
		return literal(b, i, "false")
	case 'n':
		return literal(b, i, "null")
	default:
		return scanNumber(b, i)
	}
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}
