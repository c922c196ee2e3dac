package schema

// dec is an exact decimal 0.d1d2...dn × 10^e with no leading or trailing
// zeros in d (d empty means zero). It is what every JSON number and decimal
// string is parsed into before it is checked against bounds and scale, so no
// value ever passes through float64 on its way to a DECIMAL or BIGINT column.
type dec struct {
	neg bool
	d   []byte
	e   int64
}

func (x *dec) zero() bool { return len(x.d) == 0 }

// exp10 is the position of the decimal point: the number of integer digits
// when positive.
func (x *dec) exp10() int64 { return x.e }

// cmp compares two decimals exactly.
func (x *dec) cmp(y *dec) int {
	xs, ys := x.sign(), y.sign()
	if xs != ys {
		if xs < ys {
			return -1
		}
		return 1
	}
	if xs == 0 {
		return 0
	}
	m := x.cmpAbs(y)
	if xs < 0 {
		return -m
	}
	return m
}

func (x *dec) sign() int {
	switch {
	case len(x.d) == 0:
		return 0
	case x.neg:
		return -1
	}
	return 1
}

func (x *dec) cmpAbs(y *dec) int {
	if x.e != y.e {
		if x.e < y.e {
			return -1
		}
		return 1
	}
	n := min(len(x.d), len(y.d))
	for i := 0; i < n; i++ {
		if x.d[i] != y.d[i] {
			if x.d[i] < y.d[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x.d) < len(y.d):
		return -1
	case len(x.d) > len(y.d):
		return 1
	}
	return 0
}

// fracDigits is the number of significant digits after the decimal point.
func (x *dec) fracDigits() int64 {
	if n := int64(len(x.d)) - x.e; n > 0 {
		return n
	}
	return 0
}

// scaled returns x × 10^scale as an int64, exactly. ok is false when that is
// not an integer or does not fit in 18 digits (callers check bounds first).
func (x *dec) scaled(scale int) (int64, bool) {
	if x.zero() {
		return 0, true
	}
	intDigits := x.e + int64(scale)
	if int64(len(x.d)) > intDigits || intDigits > 19 {
		return 0, false
	}
	var u uint64
	for i := int64(0); i < intDigits; i++ {
		c := uint64(0)
		if i < int64(len(x.d)) {
			c = uint64(x.d[i] - '0')
		}
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + c
	}
	if x.neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true //nolint:gosec // -(1<<63) is MinInt64
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// parseDec parses a decimal literal: -?digits(.digits)?([eE][+-]?digits)?
// (leading zeros allowed; the caller has checked the grammar). Significant
// digits are appended to buf, which is returned for reuse; x.d aliases it.
// litExp is the exponent as math/big sees the literal (explicit exponent minus
// the number of written fraction digits; 0 for a zero mantissa; 1<<62 when
// the exponent overflows int64), clamped to about ±1<<50.
func parseDec(b []byte, buf []byte) (x dec, litExp int64, out []byte) {
	i := 0
	if i < len(b) && b[i] == '-' {
		x.neg = true
		i++
	}
	start := len(buf)
	var intLen, fracLen int64
	lead := true
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		intLen++
		if lead && b[i] == '0' {
			continue
		}
		lead = false
		buf = append(buf, b[i])
	}
	// e so far: number of integer digits after the leading zeros
	e := int64(len(buf) - start)
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			fracLen++
			if lead && b[i] == '0' {
				e--
				continue
			}
			lead = false
			buf = append(buf, b[i])
		}
	}
	var exp int64
	overflow := false
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		// math/big parses the exponent with strconv.ParseInt: beyond int64
		// it fails, even for a zero mantissa.
		var u uint64
		limit := uint64(1<<63 - 1)
		if eneg {
			limit = 1 << 63
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			d := uint64(b[i] - '0')
			if u > (limit-d)/10 {
				overflow = true
				u = limit
				continue
			}
			u = u*10 + d
		}
		const clamp = 1 << 50
		if u > clamp {
			u = clamp
		}
		exp = int64(u)
		if eneg {
			exp = -exp
		}
	}
	_ = intLen
	d := buf[start:]
	for len(d) > 0 && d[len(d)-1] == '0' {
		d = d[:len(d)-1]
	}
	x.d = d
	switch {
	case overflow:
		litExp = 1 << 62
	case len(d) == 0 && len(buf) == start:
		litExp = 0 // math/big special-cases a zero mantissa
	default:
		litExp = exp - fracLen
	}
	if len(d) == 0 {
		x.e = 0
		x.neg = false
	} else {
		x.e = e + exp
	}
	return x, litExp, buf[:start+len(d)]
}

// parseDecLiteral parses a literal into a fresh dec (slow path: schemas).
func parseDecLiteral(b []byte) (dec, bool) {
	if !validNumber(b) {
		return dec{}, false
	}
	x, _, _ := parseDec(b, nil)
	return x, true
}

// validNumber reports whether b is exactly a JSON number.
func validNumber(b []byte) bool {
	n, ok := scanNumber(b, 0)
	return ok && n == len(b)
}

// scanNumber scans a JSON number starting at i and returns the index after it.
func scanNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, false
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	return i, true
}

// maxNumberExp bounds the decimal exponent of a number in a typed numeric
// field (int, decimal, double), in both paths: such a number cannot fit any
// column, and the library would spend seconds in math/big on 1e999999 (and
// panics beyond 1e6). Validate rejects these before the library runs; the
// fast path rejects the same literals (the exponent as math/big computes it:
// explicit exponent minus written fraction digits; 0 for a zero mantissa).
const maxNumberExp = 1000

var (
	minInt64Dec, _ = parseDecLiteral([]byte("-9223372036854775808"))
	maxInt64Dec, _ = parseDecLiteral([]byte("9223372036854775807"))
)
