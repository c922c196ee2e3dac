package schema

import "time"

// UKG sends datetimes as YYYY-MM-DDTHH:MM:SS with 0–3 fractional digits and
// no zone (ukgpro-api.md §2). The checks below are the hand-written
// equivalents of datePattern/timestampPattern plus the calendar rules of the
// ukg-date/ukg-timestamp formats; the same functions back the formats the
// library asserts, so both validation paths share one definition.

type dateTime struct {
	year, month, day     int
	hour, minute, second int
	micro                int  // fraction, in microseconds
	zone                 bool // an explicit Z or ±hh:mm was given
	offsetMin            int  // east of UTC
	hourOff, minOff      int  // the offset as written, for the range check
}

func digits[T string | []byte](s T, i, n int) (int, bool) {
	v := 0
	for j := i; j < i+n; j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// scanDate checks the shape YYYY-MM-DD at the start of s.
func scanDate[T string | []byte](s T, dt *dateTime) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	var ok1, ok2, ok3 bool
	dt.year, ok1 = digits(s, 0, 4)
	dt.month, ok2 = digits(s, 5, 2)
	dt.day, ok3 = digits(s, 8, 2)
	return ok1 && ok2 && ok3
}

// dateShape reports whether s matches datePattern (non-empty).
func dateShape[T string | []byte](s T, dt *dateTime) bool {
	if !scanDate(s, dt) {
		return false
	}
	if len(s) == 10 {
		return true
	}
	return len(s) == 19 && string(s[10:]) == "T00:00:00"
}

// timestampShape reports whether s matches timestampPattern (non-empty).
func timestampShape[T string | []byte](s T, dt *dateTime) bool {
	if len(s) < 19 || !scanDate(s, dt) || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	var ok1, ok2, ok3 bool
	dt.hour, ok1 = digits(s, 11, 2)
	dt.minute, ok2 = digits(s, 14, 2)
	dt.second, ok3 = digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 7 {
			dt.micro = dt.micro*10 + int(s[i]-'0')
			i++
			n++
		}
		if n == 0 || n > 6 {
			return false
		}
		for ; n < 6; n++ {
			dt.micro *= 10
		}
	}
	if i == len(s) {
		return true
	}
	switch s[i] {
	case 'Z':
		dt.zone = true
		return i+1 == len(s)
	case '+', '-':
		if len(s) != i+6 || s[i+3] != ':' {
			return false
		}
		h, ok1 := digits(s, i+1, 2)
		m, ok2 := digits(s, i+4, 2)
		if !ok1 || !ok2 {
			return false
		}
		dt.zone = true
		dt.offsetMin = h*60 + m
		if s[i] == '-' {
			dt.offsetMin = -dt.offsetMin
		}
		// keep the raw values for the range check
		dt.hourOff, dt.minOff = h, m
		return true
	}
	return false
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validDate is the calendar rule of the ukg-date format: years 0001–9999.
func (dt *dateTime) validDate() bool {
	return dt.year >= 1 && dt.month >= 1 && dt.month <= 12 && dt.day >= 1 && dt.day <= daysIn(dt.year, dt.month)
}

// validTimestamp adds the clock rules of ukg-timestamp (no leap seconds;
// offsets up to ±23:59).
func (dt *dateTime) validTimestamp() bool {
	return dt.validDate() && dt.hour <= 23 && dt.minute <= 59 && dt.second <= 59 && dt.hourOff <= 23 && dt.minOff <= 59
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date
// (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// unixMicro converts a valid timestamp. Without an explicit zone the wall
// time is read in loc (nil = UTC), the configured tenant zone.
func (dt *dateTime) unixMicro(loc *time.Location) int64 {
	if !dt.zone && loc != nil && loc != time.UTC {
		t := time.Date(dt.year, time.Month(dt.month), dt.day, dt.hour, dt.minute, dt.second, dt.micro*1000, loc)
		return t.Unix()*1_000_000 + int64(t.Nanosecond()/1000)
	}
	days := daysFromCivil(dt.year, dt.month, dt.day)
	secs := days*86400 + int64(dt.hour*3600+dt.minute*60+dt.second) - int64(dt.offsetMin)*60
	return secs*1_000_000 + int64(dt.micro)
}

// formatDate and formatTimestamp back the custom formats registered with the
// library. Like every format they accept values of other types and shapes
// (type and pattern report those); they reject only well-shaped strings that
// are not real dates or times.
func formatDate(v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	var dt dateTime
	if dateShape(s, &dt) && !dt.validDate() {
		return errBadDate
	}
	return nil
}

func formatTimestamp(v any) error {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	var dt dateTime
	if timestampShape(s, &dt) && !dt.validTimestamp() {
		return errBadTimestamp
	}
	return nil
}

type constError string

func (e constError) Error() string { return string(e) }

const (
	errBadDate      = constError("not a calendar date between 0001-01-01 and 9999-12-31")
	errBadTimestamp = constError("not a valid date and time of day")
)
