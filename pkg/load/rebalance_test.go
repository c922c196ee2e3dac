package load

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// owners tracks which loader last recovered each partition. A loader that
// creates a file or commits for a partition another loader has recovered
// since has kept writing after losing it.
type owners struct {
	mu         sync.Mutex
	owner      map[string]string
	violations []string
}

func (o *owners) archive(name string, a Archive) Archive { return ownedArchive{o, name, a} }

func (o *owners) check(name, topic string, partition int, what string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	tp := fmt.Sprintf("%s/%d", topic, partition)
	if cur := o.owner[tp]; cur != name {
		o.violations = append(o.violations, fmt.Sprintf("%s: %s by %s while %s owns it", tp, what, name, cur))
	}
}

func (o *owners) hook(name string) Hook {
	return func(_ context.Context, s Step, topic string, partition int, _ int64) error {
		if s == StepCommit {
			o.check(name, topic, partition, "commit")
		}
		return nil
	}
}

type ownedArchive struct {
	o    *owners
	name string
	a    Archive
}

func (a ownedArchive) Recover(ctx context.Context, topic string, partition int, committed int64) (PartitionFiles, error) {
	a.o.mu.Lock()
	a.o.owner[fmt.Sprintf("%s/%d", topic, partition)] = a.name
	a.o.mu.Unlock()
	pf, err := a.a.Recover(ctx, topic, partition, committed)
	return ownedFiles{a, topic, partition, pf}, err
}

type ownedFiles struct {
	a         ownedArchive
	topic     string
	partition int
	PartitionFiles
}

func (f ownedFiles) Publish(ctx context.Context, part archive.Part) (archive.Published, error) {
	f.a.o.check(f.a.name, f.topic, f.partition, "file")
	return f.PartitionFiles.Publish(ctx, part)
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// TestRebalanceUnderLoadKeepsArchiveExact: two loaders share the group, a
// third joins and one leaves while records arrive; no loader writes or
// commits a partition after another recovered it, and the archive ends
// with every record exactly once.
func TestRebalanceUnderLoadKeepsArchiveExact(t *testing.T) {
	kc := testKafka(t, 6)
	root := t.TempDir()
	emp, jh := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory)
	cfg := testConfig()
	cfg.RotateRows = 25
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.Topics = []string{kafkax.Employees, kafkax.JobHistory}

	o := &owners{owner: map[string]string{}}
	type member struct {
		cancel context.CancelFunc
		done   <-chan error
		reg    *prometheus.Registry
	}
	start := func(name string) member {
		ctx, cancel := context.WithCancel(context.Background())
		reg := prometheus.NewRegistry()
		done := runLoader(t, ctx, cfg, kc, Options{
			Archive: o.archive(name, localArchive(t, root)), Hook: o.hook(name), Registerer: reg,
		})
		return member{cancel, done, reg}
	}
	a, b := start("a"), start("b")

	const total, batch = 3000, 50
	var c member
	for i := 0; i < total; i += batch {
		produce(t, kc, emp, employees(i, i+batch)...)
		produce(t, kc, jh, gen(jobHistory, i, i+batch)...)
		switch i {
		case total / 3:
			c = start("c")
		case 2 * total / 3:
			a.cancel()
			if err := wait(t, a.done, 30*time.Second); err != nil {
				t.Fatalf("loader a stopping: %v", err)
			}
		}
	}
	// Let b and c catch up, then stop them: they flush and commit.
	testenv.Eventually(t, 60*time.Second, "b and c to archive their share", func() bool {
		return counter(t, b.reg, "ukgpro_loader_rows_written_total")+counter(t, c.reg, "ukgpro_loader_rows_written_total") >= 2*total/3
	})
	b.cancel()
	c.cancel()
	for _, m := range []member{b, c} {
		if err := wait(t, m.done, 30*time.Second); err != nil {
			t.Fatalf("stopping: %v", err)
		}
	}
	if g := counter(t, b.reg, "ukgpro_loader_generations_total"); g < 3 {
		t.Errorf("loader b saw %v generations; want at least 3 (start, c joins, a leaves)", g)
	}
	o.mu.Lock()
	if len(o.violations) > 0 {
		t.Errorf("loaders wrote partitions they no longer owned:\n%v", o.violations)
	}
	o.mu.Unlock()

	// A last drain picks up whatever was not committed yet; then every
	// record must be there exactly once.
	cfg.Drain = true
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	exactness(t, db, root, jh, highWaterMarks(t, kc, jh))
}

// TestDrainWithSeveralMembers: three loaders drain one group at once; each
// exits without error once its partitions are caught up, and together they
// archive every record exactly once.
func TestDrainWithSeveralMembers(t *testing.T) {
	kc := testKafka(t, 4)
	root := t.TempDir()
	emp, jh := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory)
	produce(t, kc, emp, employees(0, 1500)...)
	produce(t, kc, jh, gen(jobHistory, 0, 500)...)
	cfg := testConfig()
	cfg.Drain = true
	cfg.RotateRows = 60
	var dones []<-chan error
	for range 3 {
		dones = append(dones, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}))
	}
	for i, d := range dones {
		if err := wait(t, d, 60*time.Second); err != nil {
			t.Fatalf("loader %d: %v", i, err)
		}
	}
	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	exactness(t, db, root, jh, highWaterMarks(t, kc, jh))
}
