// Package jsonscan finds the extent of JSON values in a byte slice without
// decoding them: the few primitives the PII policy, the page parser and the
// canonical record hash use to walk a flat JSON object member by member
// without allocating a value per member. The input must already be known
// to be valid JSON (json.Valid); on invalid input the functions return
// positions, never panic, but the positions mean nothing.
package jsonscan

// SkipSpace returns the index of the first non-whitespace byte at or after
// b[i] (len(b) if none).
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// StringEnd returns the index just past the JSON string starting at
// b[i] == '"'.
func StringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// ValueEnd returns the index just past the JSON value (string, number,
// literal, object or array) starting at b[i].
func ValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = StringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	for j := i; j < len(b); j++ {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return len(b)
}
