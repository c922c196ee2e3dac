package extract_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// benchEmployees is the simulated tenant's size (EXTRACT_BENCH_EMPLOYEES,
// default 200000, the target).
func benchEmployees(b *testing.B) int {
	n := 200_000
	if s := os.Getenv("EXTRACT_BENCH_EMPLOYEES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("EXTRACT_BENCH_EMPLOYEES=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

func apiRequests(sim *ukgsim.Sim) int64 {
	var n int64
	for k, v := range sim.Stats().Requests {
		if k.Endpoint != "_sim" {
			n += v
		}
	}
	return n
}

// BenchmarkIncrementalAPICalls: a full baseline of the tenant, then about
// 1% of the employees change (the simulator's default monthly rates over a
// few days), then an incremental run. Reports the UKG requests of each run
// and their ratio (UKG_PER_PAGE=200, the default).
func BenchmarkIncrementalAPICalls(b *testing.B) {
	n := benchEmployees(b)
	for range b.N {
		sim, url := testenv.Sim(b, ukgsim.Config{Employees: n, Seed: 3})
		brokers := testenv.Kafka(b)
		p := &pipeline{sim: sim, url: url, brokers: brokers,
			kcfg: &kafkax.Config{Brokers: brokers, TopicPrefix: "ukgpro.", ClientID: "bench", DialTimeout: 5 * time.Second,
				Partitions: 6, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}}
		o := opts{ukg: func(c *ukgpro.Config) { c.PerPage = ukgpro.DefaultPerPage }, redactor: benchPolicy(b)}
		x, err := p.tryBuildTB(b, o)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		r0 := apiRequests(sim)
		if _, err := x.Run(ctx); err != nil {
			b.Fatal(err)
		}
		full := apiRequests(sim) - r0

		// The default rates change about 8% of a workforce in 30 days:
		// 4 days is about 1%.
		gt, err := sim.Advance(4)
		if err != nil {
			b.Fatal(err)
		}
		changed := float64(len(gt.Changed())) / float64(n) * 100
		r1 := apiRequests(sim)
		rep, err := x.Run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		incr := apiRequests(sim) - r1
		b.ReportMetric(float64(full), "full-requests")
		b.ReportMetric(float64(incr), "incremental-requests")
		b.ReportMetric(float64(full)/float64(incr), "full/incremental")
		b.ReportMetric(changed, "%changed")
		b.Logf("%d employees, %.2f%% changed; full run %d requests, incremental %d (compensation full=%v, %d refetches)",
			n, changed, full, incr, rep.Endpoints[ukgsim.EndpointCompensation].Full, rep.Endpoints[ukgsim.EndpointCompensation].Calls)
	}
}

// BenchmarkFullExtractionBinary runs the real extractor binary (a child
// process) through a full extraction of the tenant with its whole job
// history into the embedded broker (simulator and broker in this process),
// UKG_RATE_LIMIT=0 and UKG_PER_PAGE=1000. Reports wall time, messages per
// second into the broker and the child's peak RSS (target: 512 MiB).
func BenchmarkFullExtractionBinary(b *testing.B) {
	n := benchEmployees(b)
	bin := filepath.Join(b.TempDir(), "extractor")
	// EXTRACT_BENCH_TAGS=heapprof builds the binary with its peak heap
	// profile hook (cmd/extractor/heapprof.go; EXTRACTOR_HEAP_PROFILE=path).
	if out, err := exec.Command("go", "build", "-tags", os.Getenv("EXTRACT_BENCH_TAGS"), "-o", bin, "../../cmd/extractor").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for range b.N {
		sim, url := testenv.Sim(b, ukgsim.Config{Employees: n, Seed: 3})
		brokers := testenv.Kafka(b)
		cmd := exec.Command(bin, "--once")
		cmd.Env = append(os.Environ(), "UKG_BASE_URL="+url, "UKG_USERNAME=svc-demo", "UKG_PASSWORD=demo-password",
			"UKG_CUSTOMER_API_KEY=DEMO-KEY", "KAFKA_BROKERS="+strings.Join(brokers, ","), "KAFKA_REPLICATION_FACTOR=1",
			"KAFKA_PARTITIONS=6", "PII_HMAC_KEY=bench-hmac-key-0123456789abcdef", "UKG_RATE_LIMIT=0", "UKG_PER_PAGE=1000", "OPS_ADDR=",
			"EXTRACTOR_PROGRESS=off", "LOG_FORMAT=json", "LOG_LEVEL=warn")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if path := os.Getenv("EXTRACT_BENCH_STDERR"); path != "" {
			// The child's log (e.g. with GODEBUG=gctrace=1) for profiling.
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			cmd.Stderr = io.MultiWriter(&stderr, f)
		}
		began := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("extractor: %v\n%s", err, stderr.String())
		}
		wall := time.Since(began)
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
		msgs := topicTotal(b, brokers)
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(msgs)/wall.Seconds(), "msgs/s")
		b.ReportMetric(rss, "peak-RSS-MiB")
		b.ReportMetric(float64(msgs), "messages")
		b.Logf("%d employees: %d messages (job-history rows %d) in %s, %.0f msgs/s, peak RSS %.0f MiB",
			n, msgs, sim.Rows(ukgsim.EndpointJobHistory), wall.Round(time.Millisecond), float64(msgs)/wall.Seconds(), rss)
	}
}

// benchPolicy is the default PII policy (as newRedactor builds it for tests).
func benchPolicy(b *testing.B) extract.Redactor {
	reg, err := schema.Load()
	if err != nil {
		b.Fatal(err)
	}
	pol, err := pii.New(pii.Config{HMACKey: envconf.Secret("bench-hmac-key-0123456789abcdef")}, pii.ClassesOf(reg.PIIClasses()))
	if err != nil {
		b.Fatal(err)
	}
	return pol
}

// topicTotal sums the end offsets of the data topics.
func topicTotal(b *testing.B, brokers []string) int64 {
	cl := &kafka.Client{Transport: testenv.Transport(b), Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	var total int64
	for _, topic := range []string{kafkax.Employees, kafkax.People, kafkax.JobHistory, kafkax.Compensation} {
		offs, err := kafkax.PartitionOffsets(context.Background(), cl, "ukgpro."+topic)
		if err != nil {
			b.Fatal(fmt.Errorf("%s: %w", topic, err))
		}
		for _, o := range offs {
			total += o.End - o.First
		}
	}
	return total
}
