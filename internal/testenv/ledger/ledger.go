// Package ledger checks what the extractor published against the simulator:
// the "exact data" oracle of the extractor's fault and kill tests. A Ledger
// notes, at each check, every record the simulator serves (its identity and
// the ukg_record_hash the extractor must give it, after the PII policy);
// Check then requires every noted (identity, hash) in its topic exactly
// once, nothing else, and each identity's newest message to be the record
// the simulator serves now, or, for a record it no longer serves (removed
// employees, deleted job-history rows), exactly one deletion: a null value
// keyed like the record, job-history rows named by ukg_record_id.
package ledger

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// Topics maps the simulator's endpoints to the data topics (short names).
var Topics = map[string]string{
	ukgsim.EndpointEmployment:   kafkax.Employees,
	ukgsim.EndpointPerson:       kafkax.People,
	ukgsim.EndpointCompensation: kafkax.Compensation,
	ukgsim.EndpointJobHistory:   kafkax.JobHistory,
}

// Ledger is what the data topics must hold after the runs so far.
type Ledger struct {
	red  extract.Redactor
	want map[string]map[string]map[string]bool // topic → identity → hash → true
	now  map[string]map[string]string          // topic → identity → hash served now
}

// New returns an empty ledger; red must be the policy the extractor under
// test applies (same classes, rules and HMAC key).
func New(red extract.Redactor) *Ledger {
	return &Ledger{red: red, want: map[string]map[string]map[string]bool{}}
}

// Identity returns a record's Kafka key and its identity as the extractor
// builds it: the key, plus systemId on job history.
func Identity(topic string, raw []byte) (key, ident string, err error) {
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", "", err
	}
	co, emp := r["companyID"], r["employeeID"]
	if co == nil {
		co, emp = r["companyId"], r["employeeId"]
	}
	key = fmt.Sprint(co, "/", emp)
	ident = key
	if topic == kafkax.JobHistory {
		ident += "|" + fmt.Sprint(r["systemId"])
	}
	return key, ident, nil
}

// Note adds what the simulator serves now.
func (l *Ledger) Note(t testing.TB, sim *ukgsim.Sim) {
	t.Helper()
	l.now = map[string]map[string]string{}
	for ep, topic := range Topics {
		recs, err := sim.Records(ep, nil)
		if err != nil {
			t.Fatal(err)
		}
		if l.want[topic] == nil {
			l.want[topic] = map[string]map[string]bool{}
		}
		l.now[topic] = map[string]string{}
		for _, raw := range recs {
			_, ident, err := Identity(topic, raw)
			if err != nil {
				t.Fatal(err)
			}
			v, err := l.red.Apply(topic, raw)
			if err != nil {
				t.Fatal(err)
			}
			h, err := extract.HashRecord(v)
			if err != nil {
				t.Fatal(err)
			}
			if l.want[topic][ident] == nil {
				l.want[topic][ident] = map[string]bool{}
			}
			l.want[topic][ident][h.String()] = true
			l.now[topic][ident] = h.String()
		}
	}
}

// Check compares every data topic (named prefix+topic) with the ledger and
// returns the number of messages per topic.
func (l *Ledger) Check(t testing.TB, brokers []string, prefix string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for topic, want := range l.want {
		msgs := testenv.Messages(t, brokers, prefix+topic)
		counts[topic] = len(msgs)
		seen := map[[2]string]int{}
		last := map[string]string{} // identity → hash of its newest message (partition order), or deleted
		dels := map[string]int{}    // identity → deletions
		var problems []string
		for _, m := range msgs {
			if m.Value == nil {
				ident := string(m.Key)
				if topic == kafkax.JobHistory {
					ident += "|" + string(m.Header(extract.HeaderRecordID))
				}
				if want[ident] == nil {
					problems = append(problems, "deletion of "+ident+", never a simulator record")
					continue
				}
				dels[ident]++
				last[ident] = deleted
				continue
			}
			key, ident, err := Identity(topic, m.Value)
			if err != nil {
				t.Fatalf("%s@%d/%d: %v", topic, m.Partition, m.Offset, err)
			}
			if key != string(m.Key) {
				problems = append(problems, fmt.Sprintf("message keyed %q carries record %s", m.Key, ident))
			}
			h := string(m.Header("ukg_record_hash"))
			if hv, err := extract.HashRecord(m.Value); err != nil || hv.String() != h {
				problems = append(problems, ident+": ukg_record_hash is not the value's hash")
			}
			seen[[2]string{ident, h}]++
			last[ident] = h
		}
		var missing, extra, dups []string
		for ident, hashes := range want {
			for h := range hashes {
				switch n := seen[[2]string{ident, h}]; {
				case n == 0:
					missing = append(missing, ident+"#"+h[:8])
				case n > 1:
					dups = append(dups, fmt.Sprintf("%s#%s×%d", ident, h[:8], n))
				}
			}
		}
		for k := range seen {
			if !want[k[0]][k[1]] {
				extra = append(extra, k[0]+"#"+k[1][:min(8, len(k[1]))])
			}
		}
		for ident, h := range l.now[topic] {
			if last[ident] != "" && last[ident] != h {
				problems = append(problems, ident+": newest message is not the record served now")
			}
		}
		var undeleted []string
		for ident := range want {
			if _, served := l.now[topic][ident]; served {
				continue
			}
			switch {
			case last[ident] != deleted:
				undeleted = append(undeleted, ident)
			case dels[ident] > 1:
				dups = append(dups, fmt.Sprintf("deletion of %s×%d", ident, dels[ident]))
			}
		}
		report(t, topic, "problems", problems)
		report(t, topic, "records missing", missing)
		report(t, topic, "records published more than once", dups)
		report(t, topic, "messages that are no simulator record", extra)
		report(t, topic, "records no longer served but not deleted", undeleted)
	}
	return counts
}

// deleted marks an identity whose newest message is a deletion.
const deleted = "deleted"

// Live returns what the simulator served at the last Note in topic:
// identity → ukg_record_hash. It is the current state an archive of the
// topic must show (latest row per identity, deletions excluded).
func (l *Ledger) Live(topic string) map[string]string { return l.now[topic] }

func report(t testing.TB, topic, what string, list []string) {
	t.Helper()
	if len(list) == 0 {
		return
	}
	sort.Strings(list)
	t.Errorf("%s: %d %s: %s", topic, len(list), what, strings.Join(list[:min(len(list), 8)], "; "))
}
