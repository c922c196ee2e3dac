package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/miniotest"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// memoryCgroupRoot is where these machines mount the cgroup v1 memory
// controller; tests run as root and may create groups in it.
const memoryCgroupRoot = "/sys/fs/cgroup/memory"

// memoryCgroup creates a cgroup v1 memory group limited to limit bytes
// (memory and memory+swap) and removes it when the test ends. It skips the
// test, saying why, where no memory controller is mounted.
func memoryCgroup(tb testing.TB, limit int64) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(memoryCgroupRoot, "memory.limit_in_bytes")); err != nil {
		tb.Skipf("no cgroup v1 memory controller at %s (%v): the memory limit cannot be tested here", memoryCgroupRoot, err)
	}
	dir := filepath.Join(memoryCgroupRoot, fmt.Sprintf("ukgpro-loader-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		tb.Fatalf("create memory cgroup: %v", err)
	}
	tb.Cleanup(func() {
		// Empty once the loader has exited and been reaped.
		if err := os.Remove(dir); err != nil {
			tb.Errorf("remove memory cgroup: %v", err)
		}
	})
	for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
		err := os.WriteFile(filepath.Join(dir, f), []byte(strconv.FormatInt(limit, 10)), 0o644)
		if err != nil && !(f == "memory.memsw.limit_in_bytes" && errors.Is(err, os.ErrNotExist)) {
			tb.Fatalf("set %s: %v", f, err)
		}
	}
	return dir
}

func cgroupValue(tb testing.TB, dir, name string) int64 {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// rssWatch follows a child process's peak RSS: VmHWM in
// /proc/<pid>/status, the high-water mark of the process's own address
// space, read every 10 ms (monotonic, so only growth in the last 10 ms
// before exit can be missed). Not ru_maxrss from wait4: at exec Linux folds
// the high-water mark of the address space being replaced into the new
// program's maxrss, and Go starts children with CLONE_VM, so that address
// space is the test process's own, with the embedded broker's records: a
// loader's ru_maxrss read 1,095 MiB where VmHWM read a fraction of it.
type rssWatch struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func watchRSS(pid int) *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), done: make(chan struct{})}
	status := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(w.done)
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			if b, err := os.ReadFile(status); err == nil {
				if kib := statusKiB(string(b), "VmHWM:"); kib<<10 > w.peak.Load() {
					w.peak.Store(kib << 10)
				}
			}
			select {
			case <-w.stop:
				return
			case <-tk.C:
			}
		}
	}()
	return w
}

// Stop ends the watch and returns the peak RSS seen, in bytes.
func (w *rssWatch) Stop() int64 {
	close(w.stop)
	<-w.done
	return w.peak.Load()
}

// statusKiB returns the value of a "Name:  123 kB" line of /proc/*/status.
func statusKiB(status, name string) int64 {
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, name); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// produceEmployment writes n employment records of the benchmark's shape
// (about 2.9 KB each) to topic, all stamped within one extractor run, and
// each record's JSON as one line to ndjson when it is not nil. It returns
// the bytes of JSON produced.
func produceEmployment(tb testing.TB, kc kafkax.Config, topic string, n int, ndjson io.Writer) int64 {
	tb.Helper()
	reg, err := schema.Load()
	if err != nil {
		tb.Fatal(err)
	}
	fields := reg.Topic(kafkax.Employees).Fields
	var sb strings.Builder
	var bytes int64
	batch := make([]kafka.Message, 0, 5000)
	for i := 0; i < n; i++ {
		sb.Reset()
		employmentRecord(&sb, fields, i)
		v := sb.String()
		bytes += int64(len(v))
		if ndjson != nil {
			if _, err := io.WriteString(ndjson, v+"\n"); err != nil {
				tb.Fatal(err)
			}
		}
		m := message(fmt.Sprintf("C0001/E%011d", i), v, 0, "employees/v1.0")
		m.Time = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond) // one extraction run
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			produce(tb, kc, topic, batch...)
			batch = batch[:0]
		}
	}
	return bytes
}

// catchUp runs `loader --drain` at its default settings inside a fresh
// memory cgroup of limit bytes (the process joins the group before it
// starts, so the loader sees the limit) over n records on the given
// partitions, writing to a local directory or, with s3, to a bucket of a
// real MinIO server, and returns the group's peak usage
// (memory.max_usage_in_bytes, page cache of the files written included)
// and the loader's peak RSS (rssWatch). An OOM kill fails it.
func catchUp(tb testing.TB, n, partitions int, s3 bool, limit int64) (cgroupPeak, rss int64, elapsed time.Duration) {
	tb.Helper()
	kc := testKafka(tb, partitions)
	emp := kc.Topic(kafkax.Employees)
	produceEmployment(tb, kc, emp, n, nil)
	dir := memoryCgroup(tb, limit)
	root := tb.TempDir()
	output := []string{"LOADER_OUTPUT=" + root}
	var acfg archive.Config
	if s3 {
		srv := miniotest.Start(tb)
		acfg = archive.Config{Output: "s3://" + srv.MakeBucket(tb, "lake") + "/ukgpro", S3Endpoint: srv.Endpoint,
			S3Region: srv.Region, S3AccessKey: srv.AccessKey, S3SecretKey: envconf.Secret(srv.SecretKey), S3PathStyle: true, S3Insecure: true}
		output = []string{"LOADER_OUTPUT=" + acfg.Output, "S3_ENDPOINT=" + srv.Endpoint, "S3_REGION=" + srv.Region,
			"S3_ACCESS_KEY_ID=" + srv.AccessKey, "S3_SECRET_ACCESS_KEY=" + srv.SecretKey, "S3_USE_PATH_STYLE=true", "S3_INSECURE=true"}
	}
	env := loaderEnv(kc, root, append(output, "LOADER_TOPICS=employees", "LOADER_ROTATE_ROWS=500000", "LOADER_FLUSH_INTERVAL=1m",
		"LOADER_GROUP_ID=cgroup-catch-up")...)
	cmd := exec.Command("/bin/sh", "-c", `echo $$ > "$CGROUP_PROCS" && exec "$0" "$@"`, loaderBinary(tb), "--drain")
	cmd.Env = append(env, "CGROUP_PROCS="+filepath.Join(dir, "cgroup.procs"))
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	watch := watchRSS(cmd.Process.Pid)
	err := cmd.Wait()
	elapsed = time.Since(start)
	rss = watch.Stop()
	if err != nil {
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		oom, _ := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
		tb.Fatalf("loader --drain in a %d MiB memory cgroup: %v (signal %v; peak usage %d MiB; memory.oom_control: %s)", limit>>20, err, ws.Signal(),
			cgroupValue(tb, dir, "memory.max_usage_in_bytes")>>20, strings.Join(strings.Fields(string(oom)), " "))
	}
	if s3 {
		store, err := archive.Open(context.Background(), acfg)
		if err != nil {
			tb.Fatal(err)
		}
		download(tb, store, root)
	}
	var rows int64
	if err := openDuck(tb).QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s')`, glob(root, emp))).Scan(&rows); err != nil {
		tb.Fatal(err)
	}
	if rows != int64(n) {
		tb.Fatalf("archived %d rows, want %d", rows, n)
	}
	return cgroupValue(tb, dir, "memory.max_usage_in_bytes"), rss, elapsed
}

// TestCatchUpInA256MiBMemoryCgroup: a loader whose container allows
// 256 MiB catches up on a backlog at its defaults without being OOM-killed,
// on 6 and on 36 partitions, its peak RSS within 150 MiB on 6 and 200 MiB
// on 36 (the default LOADER_MEMORY_BYTES, not the container, bounds it;
// decisions 0135, 0142). BenchmarkCatchUpInMemoryCgroup runs the same with
// 1,000,000 records, to local disk and to S3.
func TestCatchUpInA256MiBMemoryCgroup(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	limit := int64(envInt("LOADER_TEST_CGROUP_MIB", 256)) << 20
	for _, tc := range []struct {
		partitions int
		maxRSS     int64
	}{{6, 150 << 20}, {36, 200 << 20}} {
		t.Run(fmt.Sprintf("partitions=%d", tc.partitions), func(t *testing.T) {
			peak, rss, el := catchUp(t, n, tc.partitions, false, limit)
			t.Logf("%d records on %d partitions in %s: cgroup of %d MiB, peak %d MiB (page cache included), loader peak RSS %d MiB",
				n, tc.partitions, el.Round(time.Millisecond), limit>>20, peak>>20, rss>>20)
			if rss > tc.maxRSS {
				t.Errorf("peak RSS %d MiB, want at most %d MiB", rss>>20, tc.maxRSS>>20)
			}
		})
	}
}

// BenchmarkCatchUpInMemoryCgroup catches up on LOADER_BENCH_RECORDS
// (default 1,000,000) employment records in a memory cgroup of
// LOADER_BENCH_CGROUP_MIB (default 256) MiB, on 6 and on 36 partitions, to
// local disk and to S3 (a real MinIO; MINIO_BIN), and reports the loader's
// peak RSS (targets: 150 and 200 MiB), the cgroup's peak usage (page cache
// included) and rows/s. LOADER_BENCH_PARTITIONS replaces 6 and 36 by one
// count, and the loader child takes its settings from the environment: with
// LOADER_MEMORY_BYTES=402653184 and LOADER_BENCH_CGROUP_MIB=512 it measures
// deploy/k8s's loader (docs/deploy.md).
func BenchmarkCatchUpInMemoryCgroup(b *testing.B) {
	n := envInt("LOADER_BENCH_RECORDS", 1_000_000)
	limit := int64(envInt("LOADER_BENCH_CGROUP_MIB", 256)) << 20
	counts := []int{6, 36}
	if p := envInt("LOADER_BENCH_PARTITIONS", 0); p > 0 {
		counts = []int{p}
	}
	for _, s3 := range []bool{false, true} {
		for _, partitions := range counts {
			dest := "local"
			if s3 {
				dest = "s3"
			}
			b.Run(fmt.Sprintf("%s/partitions=%d", dest, partitions), func(b *testing.B) {
				for range b.N {
					peak, rss, el := catchUp(b, n, partitions, s3, limit)
					b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MiB")
					b.ReportMetric(float64(peak)/(1<<20), "cgroup_peak_MiB")
					b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
				}
			})
		}
	}
}
