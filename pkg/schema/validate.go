package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// FieldError says which field of which record failed validation or
// conversion, and why. It never contains the value: values may be PII.
type FieldError struct {
	Field  string // JSON property ("" for the record as a whole); nested paths joined with "/"
	Key    string // record key (<companyId>/<employeeId>) when known
	Reason string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Key != "" {
		b.WriteString("record ")
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString("field ")
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Reasons shared by both validation paths.
const (
	reasonUTF8     = "value is not valid UTF-8"
	reasonJSON     = "not valid JSON"
	reasonObject   = "not a JSON object"
	reasonRequired = "required field missing"
	reasonNumRange = "number out of range"
)

func compile(s *Schema) error {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: dateFormat, Validate: formatDate})
	c.RegisterFormat(&jsonschema.Format{Name: timestampFormat, Validate: formatTimestamp})
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.Doc))
	if err != nil {
		return err
	}
	url := "mem:///schemas/" + s.Name + "/v" + s.Version.String() + ".json"
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok && id != "" {
			url = id
		}
	}
	if err := c.AddResource(url, doc); err != nil {
		return err
	}
	s.compiled, err = c.Compile(url)
	return err
}

// Validate checks one record (the message value as UKG returned it) against
// the schema with the JSON Schema library, the authority the extractor runs
// per record. Unknown fields are allowed. The error, if any, is one
// *FieldError or several joined with errors.Join, sorted by field; use
// errors.As to get the first. For the dlq schema, validate the headers with
// ValidateHeaders instead.
func (s *Schema) Validate(raw []byte) error {
	if !utf8.Valid(raw) {
		return &FieldError{Reason: reasonUTF8}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &FieldError{Reason: reasonJSON}
	}
	key := s.docKey(doc)
	if field := s.hugeNumberField(doc); field != "" {
		return &FieldError{Field: field, Key: key, Reason: reasonNumRange}
	}
	if err := s.validateDoc(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return &FieldError{Key: key, Reason: reasonNumRange}
		}
		return fieldErrors(ve, key)
	}
	return nil
}

// validateDoc runs the compiled schema. math/big refuses numbers with huge
// exponents; the library then dereferences a nil *big.Rat. Such a value is
// out of range for every typed column, so the panic becomes a rejection.
func (s *Schema) validateDoc(doc any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New(reasonNumRange)
		}
	}()
	return s.compiled.Validate(doc)
}

// hugeNumberField names the first typed numeric property holding a number
// whose exponent exceeds maxNumberExp, or a number math/big cannot parse.
func (s *Schema) hugeNumberField(doc any) string {
	m, _ := doc.(map[string]any)
	var buf []byte
	for i := range s.props {
		p := &s.props[i]
		if s.Fields[p.field].Type == JSON {
			continue
		}
		n, ok := m[p.name].(json.Number)
		if !ok {
			continue
		}
		var litExp int64
		_, litExp, buf = parseDec([]byte(n), buf[:0])
		if litExp > maxNumberExp || litExp < -maxNumberExp {
			return p.name
		}
		if _, ok := new(big.Rat).SetString(string(n)); !ok {
			return p.name
		}
	}
	return ""
}

func (s *Schema) docKey(doc any) string {
	m, ok := doc.(map[string]any)
	if ok && len(s.CodeKey) > 0 {
		parts := make([]string, len(s.CodeKey))
		for i, k := range s.CodeKey {
			switch v := m[k].(type) {
			case string:
				parts[i] = v
			case json.Number:
				parts[i] = v.String()
			}
		}
		return strings.Join(parts, "/")
	}
	if !ok || s.KeyFields.Company == "" {
		return ""
	}
	c, _ := m[s.KeyFields.Company].(string)
	e, _ := m[s.KeyFields.Employee].(string)
	if c == "" && e == "" {
		return ""
	}
	return c + "/" + e
}

func fieldErrors(ve *jsonschema.ValidationError, key string) error {
	var out []*FieldError
	var walk func(v *jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		if len(v.Causes) > 0 {
			for _, c := range v.Causes {
				walk(c)
			}
			return
		}
		field := strings.Join(v.InstanceLocation, "/")
		switch k := v.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				f := m
				if field != "" {
					f = field + "/" + m
				}
				out = append(out, &FieldError{Field: f, Key: key, Reason: reasonRequired})
			}
			return
		}
		out = append(out, &FieldError{Field: field, Key: key, Reason: kindReason(v.ErrorKind)})
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	if len(out) == 1 {
		return out[0]
	}
	errs := make([]error, len(out))
	for i, e := range out {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// kindReason describes a library error without the offending value.
func kindReason(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))
	case *kind.Pattern:
		return "does not match pattern " + k.Want
	case *kind.Format:
		return "not a valid " + k.Want
	case *kind.MinLength:
		return fmt.Sprintf("shorter than %d characters", k.Want)
	case *kind.Enum:
		return "not one of the allowed values"
	case *kind.Minimum:
		return "below minimum " + k.Want.FloatString(4)
	case *kind.Maximum:
		return "above maximum " + k.Want.FloatString(4)
	case *kind.MultipleOf:
		return "more fractional digits than the column's scale (multipleOf " + k.Want.FloatString(6) + ")"
	case *kind.FalseSchema:
		return "not allowed"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", k), "*kind.")
}
