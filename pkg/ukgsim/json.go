package ukgsim

import "unicode/utf8"

// jw appends one flat JSON object to a byte slice. Keys are constants written
// as-is; values are escaped. It is the hand-written renderer that keeps a page
// of 100 records far below a millisecond and allocation-free once the buffer
// has grown.
type jw struct {
	b     []byte
	n     int
	blank bool // render blanks as "" instead of null (employee-changes)
}

func (w *jw) open()         { w.b = append(w.b, '{'); w.n = 0 }
func (w *jw) close() []byte { w.b = append(w.b, '}'); return w.b }

func (w *jw) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) null(k string) {
	w.key(k)
	if w.blank {
		w.b = append(w.b, '"', '"')
		return
	}
	w.b = append(w.b, "null"...)
}

// str writes v, or null (or "" in blank mode) when v is empty.
func (w *jw) str(k, v string) {
	if v == "" {
		w.null(k)
		return
	}
	w.key(k)
	w.b = appendQuoted(w.b, v)
}

// strb is str for a byte-slice value (IDs).
func (w *jw) strb(k string, v []byte) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = append(w.b, v...)
	w.b = append(w.b, '"')
}

func (w *jw) boolean(k string, v bool) {
	w.key(k)
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

func (w *jw) yn(k string, v bool) {
	if v {
		w.str(k, "Y")
	} else {
		w.str(k, "N")
	}
}

func (w *jw) code(k string, c byte) {
	if c == 0 {
		w.null(k)
		return
	}
	w.key(k)
	w.b = append(w.b, '"', c, '"')
}

// dec writes the fixed-point v/10^scale as a JSON decimal with at least one
// fractional digit and no trailing zeros: 5824000,2 -> 58240.0.
func (w *jw) dec(k string, v int64, scale int) {
	w.key(k)
	w.b = appendDecimal(w.b, v, scale)
}

func (w *jw) integer(k string, v int64) {
	w.key(k)
	w.b = appendInt(w.b, v)
}

// day writes a pure date as YYYY-MM-DDT00:00:00, null when 0.
func (w *jw) day(k string, d int32) {
	if d == 0 {
		w.null(k)
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendDate(w.b, d)
	w.b = append(w.b, "T00:00:00\""...)
}

// stamp writes an audit timestamp with 0-3 fractional digits, null when 0.
func (w *jw) stamp(k string, ms int64) {
	if ms == 0 {
		w.null(k)
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendStamp(w.b, ms)
	w.b = append(w.b, '"')
}

// netDay writes a date as .NET's M/D/YYYY h:mm:ss AM ("" when 0).
func (w *jw) netDay(k string, d int32) {
	w.key(k)
	if d == 0 {
		w.b = append(w.b, '"', '"')
		return
	}
	y, m, dd := civil(d)
	w.b = append(w.b, '"')
	w.b = appendInt(w.b, int64(m))
	w.b = append(w.b, '/')
	w.b = appendInt(w.b, int64(dd))
	w.b = append(w.b, '/')
	w.b = appendInt(w.b, int64(y))
	w.b = append(w.b, " 12:00:00 AM\""...)
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000}

func appendDecimal(b []byte, v int64, scale int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	p := pow10[scale]
	b = appendInt(b, v/p)
	b = append(b, '.')
	frac := v % p
	if frac == 0 || scale == 0 {
		return append(b, '0')
	}
	digits := scale
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	var tmp [5]byte
	for i := digits - 1; i >= 0; i-- {
		tmp[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, tmp[:digits]...)
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// civil converts days since 1970-01-01 to a calendar date (H. Hinnant's algorithm).
func civil(d int32) (y, m, day int) {
	z := int64(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// daysFrom converts a calendar date to days since 1970-01-01.
func daysFrom(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

func appendDate(b []byte, d int32) []byte {
	y, m, dd := civil(d)
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, dd)
}

func appendStamp(b []byte, ms int64) []byte {
	d := ms / dayMs
	rem := ms % dayMs
	if rem < 0 {
		d--
		rem += dayMs
	}
	b = appendDate(b, int32(d))
	sec := int(rem / 1000)
	b = append(b, 'T')
	b = append2(b, sec/3600)
	b = append(b, ':')
	b = append2(b, sec/60%60)
	b = append(b, ':')
	b = append2(b, sec%60)
	if f := rem % 1000; f != 0 {
		b = append(b, '.')
		digits := []byte{byte('0' + f/100), byte('0' + f/10%10), byte('0' + f%10)}
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		b = append(b, digits...)
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string; non-ASCII UTF-8 passes through.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// date writes a pure date as YYYY-MM-DD (pto-plans' format), null when 0.
func (w *jw) date(k string, d int32) {
	if d == 0 {
		w.null(k)
		return
	}
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendDate(w.b, d)
	w.b = append(w.b, '"')
}
