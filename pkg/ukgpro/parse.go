package ukgpro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
)

// Record is one row exactly as UKG sent it, plus its parsed identity.
type Record struct {
	// CompanyID and EmployeeID come from companyID/employeeID or
	// companyId/employeeId, whichever casing the row uses.
	CompanyID  string
	EmployeeID string
	// SystemID is the job-history row key (systemId); "" elsewhere.
	SystemID string
	// Raw is the row's JSON object, byte for byte as received.
	Raw json.RawMessage
}

// Key returns the Kafka key "<companyId>/<employeeId>".
func (r Record) Key() string { return r.CompanyID + "/" + r.EmployeeID }

// readBody reads a response body, sized from Content-Length when known.
// Read errors (reset, timeout) keep their own class; a body shorter than
// its Content-Length is a truncated page.
func readBody(r io.Reader, contentLength int64) ([]byte, error) {
	var buf bytes.Buffer
	if contentLength > 0 && contentLength < 1<<30 {
		buf.Grow(int(contentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: body cut short: %v", ErrMalformedPage, err)
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// parsePage splits a page body into records: a JSON array of objects, a
// single object (the /{employeeId} variants) or null. Anything else,
// including trailing data or a truncated array, is ErrMalformedPage. The
// body is validated once, then split without copying: every Record.Raw is
// a slice of body.
func parsePage(body []byte, wantRow bool) ([]Record, error) {
	i := jsonscan.SkipSpace(body, 0)
	if i == len(body) {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedPage)
	}
	if !json.Valid(body) {
		return nil, syntaxError(body)
	}
	switch body[i] {
	case '{':
		end := jsonscan.ValueEnd(body, i)
		return []Record{newRecord(body[i:end:end], wantRow)}, nil
	case 'n':
		return nil, nil
	case '[':
	default:
		return nil, fmt.Errorf("%w: body is a JSON %s, not an array", ErrMalformedPage, kind(body[i]))
	}
	out := make([]Record, 0, 64)
	i = jsonscan.SkipSpace(body, i+1)
	for i < len(body) && body[i] != ']' {
		end := jsonscan.ValueEnd(body, i)
		if body[i] != '{' {
			return nil, fmt.Errorf("%w: element %d is a JSON %s, not an object", ErrMalformedPage, len(out), kind(body[i]))
		}
		out = append(out, newRecord(body[i:end:end], wantRow))
		i = jsonscan.SkipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipSpace(body, i+1)
		}
	}
	return out, nil
}

func kind(b byte) string {
	switch b {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// syntaxError describes invalid JSON without echoing the body.
func syntaxError(body []byte) error {
	var v json.RawMessage
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: invalid JSON at byte %d of %d", ErrMalformedPage, se.Offset, len(body))
	}
	return fmt.Errorf("%w: invalid JSON (%d bytes)", ErrMalformedPage, len(body))
}

func newRecord(raw json.RawMessage, wantRow bool) Record {
	r := Record{Raw: raw}
	scanIDs(raw, &r, wantRow)
	return r
}

// scanIDs reads companyId, employeeId and (when wantRow) systemId from the
// top level of a valid JSON object, matching key names case-insensitively
// and only taking string values. It allocates only for the values found.
func scanIDs(obj []byte, r *Record, wantRow bool) {
	i := jsonscan.SkipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		kEnd := jsonscan.StringEnd(obj, i)
		key := obj[i+1 : kEnd-1]
		i = jsonscan.SkipSpace(obj, kEnd)
		i = jsonscan.SkipSpace(obj, i+1) // ':'
		vEnd := jsonscan.ValueEnd(obj, i)
		if obj[i] == '"' {
			var dst *string
			switch {
			case r.CompanyID == "" && keyIs(key, "companyid"):
				dst = &r.CompanyID
			case r.EmployeeID == "" && keyIs(key, "employeeid"):
				dst = &r.EmployeeID
			case wantRow && r.SystemID == "" && keyIs(key, "systemid"):
				dst = &r.SystemID
			}
			if dst != nil {
				*dst = unquote(obj[i:vEnd])
			}
		}
		i = jsonscan.SkipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = jsonscan.SkipSpace(obj, i+1)
		}
	}
}

func keyIs(key []byte, lower string) bool {
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &s) != nil {
			return false
		}
		return strings.EqualFold(s, lower)
	}
	return len(key) == len(lower) && strings.EqualFold(string(key), lower)
}

func unquote(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1])
	}
	var s string
	_ = json.Unmarshal(b, &s)
	return s
}
