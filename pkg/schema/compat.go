package schema

import (
	"errors"
	"fmt"
	"slices"
)

// CheckCompatible reports whether next may follow prev as a later version
// of the same major: a minor version may only add optional, nullable
// properties (new columns; older Parquet files stay readable together with
// new ones by name) and values to an enum (every value valid under prev
// stays valid; consumers ignore kinds they do not know, as CloudEvents
// types go). Removing, renaming, retyping, re-keying, re-classifying (PII)
// or any other tightening or loosening of a property needs a new major
// version, where CheckCompatible only checks the name and ordering.
func CheckCompatible(prev, next *Schema) error {
	if prev.Name != next.Name {
		return fmt.Errorf("compat: %s vs %s: different topics", prev.ID(), next.ID())
	}
	if !prev.Version.Less(next.Version) {
		return fmt.Errorf("compat: %s does not come after %s", next.ID(), prev.ID())
	}
	if next.Version.Major != prev.Version.Major {
		return nil
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("compat %s -> %s: "+format, append([]any{prev.ID(), next.ID()}, a...)...))
	}
	if prev.KeyFields != next.KeyFields || prev.RowKey != next.RowKey || prev.Opaque != next.Opaque || !slices.Equal(prev.CodeKey, next.CodeKey) {
		bad("x-key, x-code-key, x-row-key or x-value changed")
	}
	for i := range prev.props {
		p := &prev.props[i]
		pf := &prev.Fields[p.field]
		j, ok := next.propIndex[p.name]
		if !ok {
			bad("property %s removed", p.name)
			continue
		}
		q := &next.props[j]
		qf := &next.Fields[q.field]
		switch {
		case pf.Column != qf.Column:
			bad("property %s: column %s renamed to %s", p.name, pf.Column, qf.Column)
		case pf.TypeString() != qf.TypeString():
			bad("property %s: x-type %s changed to %s", p.name, pf.TypeString(), qf.TypeString())
		case pf.PII != qf.PII:
			bad("property %s: x-pii %s changed to %s", p.name, pf.PII, qf.PII)
		case pf.Header != qf.Header:
			bad("property %s: x-header changed", p.name)
		case !sameConstraints(p, q) || pf.Nullable != qf.Nullable:
			bad("property %s: constraints changed (type, required, minLength, enum other than added values, pattern, bounds)", p.name)
		}
	}
	for i := range next.props {
		q := &next.props[i]
		if _, ok := prev.propIndex[q.name]; ok {
			continue
		}
		qf := &next.Fields[q.field]
		if q.required || !qf.Nullable {
			bad("new property %s must be optional and nullable", q.name)
		}
		if pf := findColumn(prev, qf.Column); pf != nil && pf.TypeString() != qf.TypeString() {
			bad("new property %s reuses column %s with another type", q.name, qf.Column)
		}
	}
	return errors.Join(errs...)
}

func findColumn(s *Schema, col string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Column == col {
			return &s.Fields[i]
		}
	}
	return nil
}

func sameConstraints(p, q *prop) bool {
	patternOf := func(x *prop) string {
		if x.pattern == nil {
			return ""
		}
		return x.pattern.String()
	}
	decEq := func(a, b *dec) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.cmp(b) == 0
	}
	return p.kinds == q.kinds && p.required == q.required && p.minLen == q.minLen &&
		enumWidened(p.enum, q.enum) && patternOf(p) == patternOf(q) && decEq(p.min, q.min) && decEq(p.max, q.max)
}

// enumWidened reports whether enum next keeps every value of prev, in the
// same order, and at most adds values after them (no enum stays no enum).
func enumWidened(prev, next []string) bool {
	if prev == nil || next == nil {
		return prev == nil && next == nil
	}
	return len(next) >= len(prev) && slices.Equal(prev, next[:len(prev)])
}
