package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/ledger"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// newLedger is the exact-data oracle (internal/testenv/ledger) for the
// policy the binary runs: the schemas' PII classes, the default rules and
// PII_HMAC_KEY=testHMACKey (runEnv).
func newLedger(t *testing.T) *testLedger {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := pii.New(pii.Config{HMACKey: envconf.Secret(testHMACKey)}, pii.ClassesOf(reg.PIIClasses()))
	if err != nil {
		t.Fatal(err)
	}
	return &testLedger{ledger.New(pol)}
}

// testLedger checks the topics of the default prefix.
type testLedger struct{ *ledger.Ledger }

func (l *testLedger) note(t *testing.T, sim *ukgsim.Sim) { t.Helper(); l.Note(t, sim) }

func (l *testLedger) check(t *testing.T, brokers []string) {
	t.Helper()
	l.Check(t, brokers, "ukgpro.")
}

// checkLifecycle: the lifecycle topic holds exactly the ground truth's
// events (event, key, effective date; removals without a date), each
// ce_id once.
func checkLifecycle(t *testing.T, brokers []string, gts ...ukgsim.GroundTruth) {
	t.Helper()
	var got, want []string
	ids := map[string]int{}
	for _, m := range testenv.Messages(t, brokers, "ukgpro."+kafkax.Lifecycle) {
		var ev schema.LifecycleEvent
		if err := json.Unmarshal(m.Value, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Event == schema.EventRemoved {
			got = append(got, ev.Event+" "+ev.Key) // dated by the run that found it
		} else {
			got = append(got, ev.Event+" "+ev.Key+"@"+ev.EffectiveDate)
		}
		if ids[string(m.Header("ce_id"))]++; ids[string(m.Header("ce_id"))] == 2 {
			t.Errorf("lifecycle event %s %s published twice", ev.Event, ev.Key)
		}
	}
	for _, gt := range gts {
		for ev, list := range map[string][]ukgsim.Event{
			schema.EventHired: gt.Hired, schema.EventTerminated: gt.Terminated, schema.EventRehired: gt.Rehired,
			schema.EventJobChanged: gt.JobChanged, schema.EventCompensationChanged: gt.CompensationChanged,
			schema.EventStatusChanged: gt.StatusChanged,
		} {
			for _, e := range list {
				want = append(want, ev+" "+e.CompanyID+"/"+e.EmployeeID+"@"+e.EffectiveDate)
			}
		}
		// Deposit rows added or changed, dated by their change.
		for _, d := range gt.DirectDepositChanged {
			want = append(want, schema.EventDirectDepositChanged+" "+d.CompanyID+"/"+d.EmployeeID+"@"+d.ChangedAt[:10])
		}
		for _, e := range gt.Removed {
			want = append(want, schema.EventRemoved+" "+e.CompanyID+"/"+e.EmployeeID)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lifecycle events differ from the ground truth:\n%s", diffLists(got, want))
	}
}

func diffLists(a, b []string) string {
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, "- extra   "+a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, "+ missing "+b[j])
			j++
		default:
			i++
			j++
		}
	}
	return strings.Join(out[:min(len(out), 20)], "\n")
}

// killed runs `extractor --once` and kills it with SIGKILL after delay
// (unless it ended before). It reports whether the kill landed.
func killed(t *testing.T, vars map[string]string, delay time.Duration) bool {
	t.Helper()
	p := start(t, vars, "--once")
	select {
	case <-p.done:
		if p.code != 0 {
			t.Fatalf("run ended with %d before the kill:\n%s", p.code, tail(p.stderr.String(), 20))
		}
		return false
	case <-time.After(delay):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return p.cmd.ProcessState.ExitCode() != 0
}

// TestKill9AtRandomMoments kills the extractor with SIGKILL at random
// moments of a baseline, of an incremental run and of a full
// reconciliation that deletes purged employees and job-history rows (one
// or two kills in a row), restarts it, and checks after each phase that
// the topics hold every simulator record exactly once and every vanished
// record's deletion exactly once (no acknowledged message published twice:
// the restarted extractor reads what the killed one left past its mark)
// and that the lifecycle events, employee.removed included, are exactly
// the ground truth.
func TestKill9AtRandomMoments(t *testing.T) {
	trials := 10
	if testing.Short() {
		trials = 3
	}
	const seed = 20251123
	rng := rand.New(rand.NewPCG(seed, 1))
	simCfg := func(s uint64) ukgsim.Config {
		return ukgsim.Config{Employees: 400, Companies: 3, Seed: s, Faults: ukgsim.Faults{Latency: 20 * time.Millisecond}}
	}

	// Calibrate: how long an uninterrupted baseline, incremental run and
	// deleting reconciliation take.
	var full, incr, recon time.Duration
	t.Run("calibrate", func(t *testing.T) {
		sim, url := testenv.Sim(t, simCfg(99))
		brokers := testenv.Kafka(t)
		vars := runEnv(url, brokers, nil)
		led := newLedger(t)
		began := time.Now()
		if code, errOut := runOnce(t, vars); code != 0 {
			t.Fatalf("baseline exited %d:\n%s", code, tail(errOut, 20))
		}
		full = time.Since(began)
		led.note(t, sim)
		led.check(t, brokers)
		gt, err := sim.Advance(30)
		if err != nil {
			t.Fatal(err)
		}
		began = time.Now()
		if code, errOut := runOnce(t, vars); code != 0 {
			t.Fatalf("incremental run exited %d:\n%s", code, tail(errOut, 20))
		}
		incr = time.Since(began)
		led.note(t, sim)
		led.check(t, brokers)
		checkLifecycle(t, brokers, gt)
		gt2, err := sim.AdvanceWith(30, ukgsim.AdvanceOptions{Removals: 4, Corrections: 4})
		if err != nil {
			t.Fatal(err)
		}
		vars["EXTRACTOR_MODE"] = "full"
		began = time.Now()
		if code, errOut := runOnce(t, vars); code != 0 {
			t.Fatalf("reconciliation exited %d:\n%s", code, tail(errOut, 20))
		}
		recon = time.Since(began)
		led.note(t, sim)
		led.check(t, brokers)
		checkLifecycle(t, brokers, gt, gt2)
		t.Logf("baseline %s, incremental %s, reconciliation %s", full, incr, recon)
	})
	if full == 0 {
		t.Fatal("calibration failed")
	}

	landed := 0
	for i := range trials {
		t.Run(fmt.Sprintf("trial%02d", i), func(t *testing.T) {
			sim, url := testenv.Sim(t, simCfg(uint64(i+1)))
			brokers := testenv.Kafka(t)
			vars := runEnv(url, brokers, nil)
			led := newLedger(t)
			kills := 1 + i%2
			phase := func(name string, d time.Duration) {
				for k := range kills {
					delay := time.Duration(rng.Int64N(int64(d)))
					ok := killed(t, vars, delay)
					if ok {
						landed++
					}
					t.Logf("%s kill %d after %s: landed=%v", name, k+1, delay.Round(time.Millisecond), ok)
				}
				if code, errOut := runOnce(t, vars); code != 0 {
					t.Fatalf("%s: the run after the kill exited %d:\n%s", name, code, tail(errOut, 20))
				}
				led.note(t, sim)
				led.check(t, brokers)
			}
			phase("baseline", full)
			if n := len(testenv.Messages(t, brokers, "ukgpro."+kafkax.Lifecycle)); n != 0 {
				t.Errorf("baseline published %d lifecycle events", n)
			}
			gt, err := sim.Advance(30)
			if err != nil {
				t.Fatal(err)
			}
			phase("incremental", incr)
			checkLifecycle(t, brokers, gt)
			gt2, err := sim.AdvanceWith(30, ukgsim.AdvanceOptions{Removals: 4, Corrections: 4})
			if err != nil {
				t.Fatal(err)
			}
			vars["EXTRACTOR_MODE"] = "full"
			phase("reconciliation", recon)
			checkLifecycle(t, brokers, gt, gt2)
		})
	}
	if landed < trials {
		t.Errorf("only %d kills landed mid-run in %d trials; the test proves little", landed, trials)
	}
}
