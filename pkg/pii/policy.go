package pii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Class is the PII class of a field, as the schemas in schemas/ declare it.
type Class string

// The classes, from least to most severe.
const (
	None       Class = "none"       // not personal, or harmless
	Sensitive  Class = "sensitive"  // personal: birth date, address, phone, pay
	Identifier Class = "identifier" // national identifiers: SSN, national id, alien number
	Account    Class = "account"    // bank account identifiers: account, routing and institution numbers, IBAN, SWIFT
	Bank       Class = "bank"       // other bank and direct-deposit details
)

func (c Class) severity() int {
	switch c {
	case Sensitive:
		return 1
	case Identifier:
		return 2
	case Account:
		return 3
	case Bank:
		return 4
	}
	return 0
}

func (c Class) valid() bool {
	return c == None || c == Sensitive || c == Identifier || c == Account || c == Bank
}

// Action is what the policy does to a field's value.
type Action string

// The actions.
const (
	Keep Action = "keep" // value unchanged
	Hash Action = "hash" // "hmac-sha256:<64 hex>" of the normalised value
	Mask Action = "mask" // partly hidden, same JSON type where possible
	Drop Action = "drop" // key and value removed
	// HashLast4 hashes the value as Hash does and adds a sibling member
	// "<field>Last4" holding its last 4 letters or digits (null when the
	// value has 4 or fewer), so a changed bank account is detectable and
	// recognisable without the number ever being in clear.
	HashLast4 Action = "hash-last4"
)

func (a Action) valid() bool {
	return a == Keep || a == Hash || a == Mask || a == Drop || a == HashLast4
}

func (a Action) hashes() bool { return a == Hash || a == HashLast4 }

// DefaultActions is the default action per class: national identifiers
// hashed, bank account identifiers hashed with their last 4 digits beside
// them, other bank details dropped, the rest kept.
func DefaultActions() map[Class]Action {
	return map[Class]Action{None: Keep, Sensitive: Keep, Identifier: Hash, Account: HashLast4, Bank: Drop}
}

// Last4Suffix names the member HashLast4 adds beside a field.
const Last4Suffix = "Last4"

// Builtin returns the class the policy gives a field name on its own,
// whatever the schema says, or None. It is a safety net for identifiers and
// bank details a schema might miss: the effective class of a field is the
// more severe of the schema's class and this one.
func Builtin(field string) Class {
	f := strings.ToLower(field)
	switch f {
	case "ssn", "previousssn", "nationalid", "i9aliennumber", "i9doca", "i9docb", "i9docc",
		"socialsecuritynumber", "sin", "taxid", "passportnumber", "driverslicensenumber":
		return Identifier
	}
	if strings.HasSuffix(f, strings.ToLower(Last4Suffix)) {
		// What HashLast4 adds: the last 4 letters or digits, never more.
		return None
	}
	for _, s := range []string{"accountnumber", "routingnumber", "institutionnumber", "transitnumber", "iban", "swift"} {
		if strings.Contains(f, s) {
			return Account
		}
	}
	if f == "bankid" {
		// employee-global-banks' row id, not a bank detail (docs/decisions/0101).
		return None
	}
	if strings.HasPrefix(f, "bank") || strings.HasPrefix(f, "directdeposit") || strings.HasPrefix(f, "chkcashing") {
		return Bank
	}
	return None
}

// Rules is the policy file (PII_POLICY_FILE, JSON): overrides per class and
// per field. A field key is "field" (every topic) or "topic.field" (one
// topic, short topic name such as "people"); field names match
// case-insensitively. Example:
//
//	{"classes": {"sensitive": "mask"},
//	 "fields": {"people.dateOfBirth": "mask", "ssn": "drop"}}
type Rules struct {
	Classes map[Class]Action  `json:"classes,omitempty"`
	Fields  map[string]Action `json:"fields,omitempty"`
}

// LoadRules reads and checks a policy file. Errors name PII_POLICY_FILE.
func LoadRules(path string) (Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Rules{}, fmt.Errorf("PII_POLICY_FILE: %w", err)
	}
	return ParseRules(b)
}

// ParseRules parses and checks policy-file JSON.
func ParseRules(b []byte) (Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rules{}, fmt.Errorf("PII_POLICY_FILE: %v (want {\"classes\": {class: action}, \"fields\": {\"[topic.]field\": action}})", err)
	}
	return r, r.validate()
}

func (r Rules) validate() error {
	var errs []error
	for c, a := range r.Classes {
		if !c.valid() {
			errs = append(errs, fmt.Errorf("PII_POLICY_FILE: unknown class %q (want none, sensitive, identifier, account or bank)", c))
		}
		if !a.valid() {
			errs = append(errs, fmt.Errorf("PII_POLICY_FILE: class %s: unknown action %q (want keep, hash, hash-last4, mask or drop)", c, a))
		}
	}
	for f, a := range r.Fields {
		if _, field := splitField(f); field == "" {
			errs = append(errs, fmt.Errorf("PII_POLICY_FILE: empty field name in %q", f))
		}
		if !a.valid() {
			errs = append(errs, fmt.Errorf("PII_POLICY_FILE: field %s: unknown action %q (want keep, hash, hash-last4, mask or drop)", f, a))
		}
	}
	return errors.Join(errs...)
}

// splitField splits "topic.field" (at the last dot) or "field".
func splitField(s string) (topic, field string) {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return topicName(s[:i]), s[i+1:]
	}
	return "", s
}

// topicName reduces "ukgpro.people" to "people": policies use short names.
func topicName(t string) string { return t[strings.LastIndexByte(t, '.')+1:] }

// classActions merges the defaults with the file's class overrides.
func (r Rules) classActions() map[Class]Action {
	m := DefaultActions()
	for c, a := range r.Classes {
		m[c] = a
	}
	return m
}

// hashUser names one thing that makes the policy hash, or "".
func (r Rules) hashUser() string {
	ca := r.classActions()
	for _, c := range []Class{Identifier, Account, Sensitive, Bank, None} {
		if ca[c].hashes() {
			return "class " + string(c)
		}
	}
	fields := make([]string, 0, len(r.Fields))
	for f, a := range r.Fields {
		if a.hashes() {
			fields = append(fields, f)
		}
	}
	if len(fields) > 0 {
		slices.Sort(fields)
		return "field " + fields[0]
	}
	return ""
}
