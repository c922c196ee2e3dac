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
	// RowID is the value of the endpoint's row key (Endpoint.RowKey:
	// systemId on job history, accountRecordId on direct deposit, …), a
	// number's JSON text when the key is numeric; "" when the endpoint has
	// none or the row lacks it.
	RowID string
	// Code is a configuration row's key: the values of Endpoint.CodeKey
	// joined by "/" ("2/WHS" on org-levels); "" on employee data.
	Code string
	// Raw is the row's JSON object, byte for byte as received.
	Raw json.RawMessage
}

// Key returns the Kafka key: "<companyId>/<employeeId>", or Code on a
// configuration row.
func (r Record) Key() string {
	if r.Code != "" {
		return r.Code
	}
	return r.CompanyID + "/" + r.EmployeeID
}

// idKeys names the identity members parsePage reads beyond the company
// and employee ids (lower-case).
type idKeys struct {
	row  string
	code []string
	// envelope names the member of an object body that holds the rows,
	// when the endpoint may wrap its array ({"locations": […],
	// "totalCount": …}: ukgpro-api-more.md §9 row 3); "" elsewhere.
	envelope string
}

func (e Endpoint) idKeys() idKeys {
	in := e.info()
	k := idKeys{row: strings.ToLower(in.rowKey)}
	for _, c := range in.codeKey {
		k.code = append(k.code, strings.ToLower(c))
	}
	if in.enveloped {
		k.envelope = in.name
	}
	return k
}

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
func parsePage(body []byte, ids idKeys) ([]Record, error) {
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
		if rows, ok := envelopeRows(body[i:end], ids.envelope); ok {
			return parsePage(rows, idKeys{row: ids.row, code: ids.code})
		}
		return []Record{newRecord(body[i:end:end], ids)}, nil
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
		out = append(out, newRecord(body[i:end:end], ids))
		i = jsonscan.SkipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipSpace(body, i+1)
		}
	}
	return out, nil
}

// envelopeRows returns the array member named name of an object body
// ({"locations": […], "totalCount": 13}), ok false when name is empty or the
// object has no such array member.
func envelopeRows(obj []byte, name string) ([]byte, bool) {
	if name == "" {
		return nil, false
	}
	for i := jsonscan.SkipSpace(obj, 1); i < len(obj) && obj[i] == '"'; {
		kEnd := jsonscan.StringEnd(obj, i)
		key := obj[i+1 : kEnd-1]
		i = jsonscan.SkipSpace(obj, jsonscan.SkipSpace(obj, kEnd)+1)
		vEnd := jsonscan.ValueEnd(obj, i)
		if obj[i] == '[' && keyIs(key, strings.ToLower(name)) {
			return obj[i:vEnd], true
		}
		i = jsonscan.SkipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = jsonscan.SkipSpace(obj, i+1)
		}
	}
	return nil, false
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

func newRecord(raw json.RawMessage, ids idKeys) Record {
	r := Record{Raw: raw}
	scanIDs(raw, &r, ids)
	return r
}

// scanIDs reads companyId, employeeId, the row key and the code key
// members from the top level of a valid JSON object, matching key names
// case-insensitively. Ids are taken from string values only; row and code
// keys also from numbers (their text, "5.0" read as "5"). It allocates only
// for the values found.
func scanIDs(obj []byte, r *Record, ids idKeys) {
	var code []string
	if len(ids.code) > 0 {
		code = make([]string, len(ids.code))
	}
	i := jsonscan.SkipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		kEnd := jsonscan.StringEnd(obj, i)
		key := obj[i+1 : kEnd-1]
		i = jsonscan.SkipSpace(obj, kEnd)
		i = jsonscan.SkipSpace(obj, i+1) // ':'
		vEnd := jsonscan.ValueEnd(obj, i)
		switch c := obj[i]; {
		case c == '"':
			// A member may be both an id and part of the code key
			// (positions' companyId).
			for j, k := range ids.code {
				if code[j] == "" && keyIs(key, k) {
					code[j] = unquote(obj[i:vEnd])
				}
			}
			switch {
			case r.CompanyID == "" && keyIs(key, "companyid"):
				r.CompanyID = unquote(obj[i:vEnd])
			case r.EmployeeID == "" && keyIs(key, "employeeid"):
				r.EmployeeID = unquote(obj[i:vEnd])
			case ids.row != "" && r.RowID == "" && keyIs(key, ids.row):
				r.RowID = unquote(obj[i:vEnd])
			}
		case c == '-' || c >= '0' && c <= '9':
			n := numberText(obj[i:vEnd])
			if ids.row != "" && r.RowID == "" && keyIs(key, ids.row) {
				r.RowID = n
			}
			for j, k := range ids.code {
				if code[j] == "" && keyIs(key, k) {
					code[j] = n
				}
			}
		}
		i = jsonscan.SkipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = jsonscan.SkipSpace(obj, i+1)
		}
	}
	if ids.row == "systemid" {
		r.SystemID = r.RowID
	}
	if len(code) > 0 {
		for _, c := range code {
			if c == "" {
				return // an incomplete code key: no key (the schema check names it)
			}
		}
		r.Code = strings.Join(code, "/")
	}
}

// numberText is a JSON number's text with a zero fraction dropped ("5.0"
// and "5" name the same row).
func numberText(n []byte) string {
	s := string(n)
	if i := strings.IndexByte(s, '.'); i > 0 && !strings.ContainsAny(s, "eE") && strings.Trim(s[i+1:], "0") == "" {
		return s[:i]
	}
	return s
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
