package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Date is a UKG calendar date as the record carries it: "YYYY-MM-DD" or
// "YYYY-MM-DDT00:00:00"; "" when the record has none (null, absent or
// blank). The text is kept as sent, so nothing is lost; Time parses it.
type Date string

// Time returns the date at 00:00 UTC. ok is false for an empty date.
func (d Date) Time() (t time.Time, ok bool, err error) {
	s := string(d)
	if s == "" {
		return time.Time{}, false, nil
	}
	if len(s) == 19 && strings.HasSuffix(s, "T00:00:00") {
		s = s[:10]
	}
	t, err = time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("date %q: not YYYY-MM-DD", string(d))
	}
	return t, true, nil
}

// UnmarshalJSON takes a string or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := nullableString(b, "date")
	*d = Date(s)
	return err
}

// Timestamp is a UKG instant as the record carries it: tenant-local
// "YYYY-MM-DDTHH:MM:SS[.fff]" without a zone (ukgpro-api.md §2), or with
// one; "" when the record has none. Time resolves it in the tenant's zone.
type Timestamp string

// Time returns the instant, reading a zone-less value in loc (the tenant's
// zone, UKG_TENANT_TZ; nil means UTC). ok is false for an empty value.
func (ts Timestamp) Time(loc *time.Location) (t time.Time, ok bool, err error) {
	s := string(ts)
	if s == "" {
		return time.Time{}, false, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, err = time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true, nil
	}
	if t, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("timestamp %q: not YYYY-MM-DDTHH:MM:SS[.fff][zone]", s)
}

// UnmarshalJSON takes a string or null.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	s, err := nullableString(b, "timestamp")
	*ts = Timestamp(s)
	return err
}

// Decimal is an exact decimal (money, rates, hours) as the record carries
// it: UKG sends a JSON number or a numeric string; Decimal keeps the digits
// as text, never a float. "" when the record has none.
type Decimal string

// Rat returns the exact value. ok is false for an empty decimal.
func (d Decimal) Rat() (r *big.Rat, ok bool, err error) {
	if d == "" {
		return nil, false, nil
	}
	if !isNumber(string(d)) {
		return nil, false, fmt.Errorf("decimal %q: not a number", string(d))
	}
	r, _ = new(big.Rat).SetString(string(d))
	return r, true, nil
}

// UnmarshalJSON takes a number, a numeric string or null.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '"' && string(b) != "null" {
		if !isNumber(string(b)) {
			return errors.New("decimal: not a number")
		}
		*d = Decimal(b)
		return nil
	}
	s, err := nullableString(b, "decimal")
	if err == nil && s != "" && !isNumber(strings.TrimSpace(s)) {
		return errors.New("decimal: a string that is not a number")
	}
	*d = Decimal(strings.TrimSpace(s))
	return err
}

// MarshalJSON writes a JSON number, or null for an empty decimal.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	if !isNumber(string(d)) {
		return nil, fmt.Errorf("decimal %q: not a number", string(d))
	}
	return []byte(d), nil
}

// isNumber reports whether s is one JSON number.
func isNumber(s string) bool {
	if s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

func nullableString(b []byte, what string) (string, error) {
	if string(bytes.TrimSpace(b)) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("%s: not a string", what)
	}
	return s, nil
}

// Int is an integer field. UKG may send an integral value with a fraction
// (0.0), which JSON Schema's "integer" admits; Int accepts it, and rejects
// a value with a non-zero fraction or out of int64's range.
type Int int64

// UnmarshalJSON takes an integral JSON number.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if !isNumber(s) {
		return errors.New("integer: not a number")
	}
	r, _ := new(big.Rat).SetString(s)
	if !r.IsInt() || !r.Num().IsInt64() {
		return fmt.Errorf("integer: %s is not a 64-bit integer", s)
	}
	*n = Int(r.Num().Int64())
	return nil
}
