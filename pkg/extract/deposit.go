package extract

import (
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// employee.direct_deposit_changed (docs/decisions/0101): after a deposit
// endpoint's baseline, a bank row that is new, or whose account
// identifiers changed, is a payroll-fraud signal security teams watch for.
// The state keeps, per row, the account identifiers as published — the
// PII policy's keyed hashes and last 4, never a number — and a row is
// compared with them.

// depositRule says which members of a deposit topic identify the account
// and which carries the row's change time.
type depositRule struct {
	row     string   // the row id member (also the change list's first entry)
	fields  []string // account identifiers, then their last-4 members
	changed string   // the row's change timestamp (the event's effective date)
}

var depositRules = map[string]depositRule{
	kafkax.DirectDeposit: {row: "accountRecordId", changed: "dateTimeChanged", fields: []string{
		"account", "employeeBankRoutingNumber", "employeeInstitutionNumber", "foreignAccountNumber",
		"accountLast4", "employeeBankRoutingNumberLast4", "employeeInstitutionNumberLast4", "foreignAccountNumberLast4"}},
	kafkax.GlobalBanks: {row: "bankId", changed: "dateModified", fields: []string{
		"bankAccountNumber", "iban", "swiftCode", "bankAccountNumberLast4", "ibanLast4", "swiftCodeLast4"}},
}

// Deposit change kinds, the first change's field tells them apart too:
// the row id with a null before is an added account.
const (
	depositAdded   = "account_added"
	depositChanged = "account_changed"
)

// snapFields returns the fields the state keeps for the deposit row
// snapshot: the row id, the change time, then the account fields.
func (r depositRule) snapFields() []string {
	return append([]string{r.row, r.changed}, r.fields...)
}

// diffDeposit derives the direct_deposit_changed event of one published
// deposit row: before is the row's previous snapshot (nil: a row never
// seen), after its snapshot now (snapFields order). It reports false when
// the account identifiers did not change.
func diffDeposit(rule depositRule, before, after []string) (derived, string, bool) {
	fields := rule.snapFields()
	d := derived{event: schema.EventDirectDepositChanged, effective: day(after[1])}
	if before == nil {
		d.changes = append(d.changes, change(rule.row, nil, after, 0))
		for i := 2; i < len(fields); i++ {
			if after[i] != "null" {
				d.changes = append(d.changes, schema.Change{Field: fields[i], Before: []byte("null"), After: []byte(after[i])})
			}
		}
		return d, depositAdded, true
	}
	d.changes = append(d.changes, schema.Change{Field: rule.row, Before: []byte(before[0]), After: []byte(after[0])})
	changed := false
	for i := 2; i < len(fields); i++ {
		if i < len(before) && before[i] == after[i] {
			continue
		}
		b := "null"
		if i < len(before) {
			b = before[i]
		}
		changed = true
		d.changes = append(d.changes, schema.Change{Field: fields[i], Before: []byte(b), After: []byte(after[i])})
	}
	return d, depositChanged, changed
}
