package load

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

func TestConfigDefaultsAndValidate(t *testing.T) {
	var def Config
	if err := envconf.Parse(context.Background(), "loader", &def, nil, envconfig.MapLookuper(nil)); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if def.GroupID != "ukgpro-loader" || def.RotateInterval != 24*time.Hour || def.FlushInterval != time.Minute || def.Drain {
		t.Fatalf("defaults: %+v", def)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string // substring of the error; "" = valid
	}{
		{env: map[string]string{"LOADER_TOPICS": "employees,dlq"}},
		{args: []string{"--drain"}},
		{env: map[string]string{"LOADER_TOPICS": "ukgpro.employees"}, want: `LOADER_TOPICS: "ukgpro.employees" is not a topic of the contract; valid names (without KAFKA_TOPIC_PREFIX): employees,people,job-history,compensation,lifecycle,dlq,companies,org-levels,jobs,locations,positions,contacts,pto-plans,direct-deposit,global-banks,contracts`},
		{env: map[string]string{"LOADER_TOPICS": "employees,employes"}, want: `"employes" is not a topic`},
		{env: map[string]string{"LOADER_ROTATE_ROWS": "0"}, want: "LOADER_ROTATE_ROWS"},
		{env: map[string]string{"LOADER_ROTATE_BYTES": "-1"}, want: "LOADER_ROTATE_BYTES"},
		{env: map[string]string{"LOADER_FLUSH_INTERVAL": "0s"}, want: "LOADER_FLUSH_INTERVAL"},
		{env: map[string]string{"LOADER_SESSION_TIMEOUT": "500ms"}, want: "LOADER_SESSION_TIMEOUT"},
		{env: map[string]string{"LOADER_HEARTBEAT_INTERVAL": "40s"}, want: "LOADER_HEARTBEAT_INTERVAL"},
		{env: map[string]string{"LOADER_GROUP_ID": " "}, want: "LOADER_GROUP_ID"},
		{env: map[string]string{"LOADER_ROTATE_INTERVAL": "soon"}, want: "LOADER_ROTATE_INTERVAL"},
		{env: map[string]string{"LOADER_MEMORY_BYTES": "1048576"}, want: "LOADER_MEMORY_BYTES must be at least"},
		{env: map[string]string{"LOADER_BUFFER_BYTES": "-1"}, want: "LOADER_BUFFER_BYTES"},
		{env: map[string]string{"LOADER_FETCH_BUFFER_BYTES": "100"}, want: "LOADER_FETCH_BUFFER_BYTES"},
		{env: map[string]string{"LOADER_MEMORY_BYTES": "268435456", "LOADER_BUFFER_BYTES": "16777216"}},
	} {
		var c Config
		err := envconf.Parse(context.Background(), "loader", &c, tc.args, envconfig.MapLookuper(tc.env))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v %v: %v", tc.env, tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
}

// TestMemoryLimit: the budget in effect and the soft limit the loader sets,
// from LOADER_MEMORY_BYTES, GOMEMLIMIT and the container's limit.
func TestMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name              string
		budget, gomem     int64
		set               bool
		container         uint64
		wantBudget, limit int64
	}{
		{name: "defaults, no container: the budget is the limit", budget: 128 * mib, gomem: math.MaxInt64, wantBudget: 128 * mib, limit: 128 * mib},
		{name: "a larger container does not raise it", budget: 128 * mib, gomem: math.MaxInt64, container: 1024 * mib, wantBudget: 128 * mib, limit: 128 * mib},
		{name: "a smaller container lowers both to 90% of it", budget: 128 * mib, gomem: math.MaxInt64, container: 100 * mib, wantBudget: 90 * mib, limit: 90 * mib},
		{name: "cgroup v1 without a limit reports a huge one", budget: 128 * mib, gomem: math.MaxInt64, container: math.MaxUint64 - 4095, wantBudget: 128 * mib, limit: 128 * mib},
		{name: "GOMEMLIMIT set lower: it bounds the budget, the runtime keeps it", budget: 128 * mib, gomem: 100 * mib, set: true, container: 50 * mib, wantBudget: 100 * mib},
		{name: "GOMEMLIMIT set higher: the budget stays", budget: 128 * mib, gomem: 870 * mib, set: true, wantBudget: 128 * mib},
		{name: "GOMEMLIMIT=off", budget: 128 * mib, gomem: math.MaxInt64, set: true, wantBudget: 128 * mib},
		{name: "never below the minimum", budget: 128 * mib, gomem: math.MaxInt64, container: 16 * mib, wantBudget: minMemoryBytes, limit: minMemoryBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, l := MemoryLimit(tc.budget, tc.gomem, tc.set, tc.container)
			if b != tc.wantBudget || l != tc.limit {
				t.Fatalf("MemoryLimit = budget %d MiB, limit %d MiB; want %d, %d", b/mib, l/mib, tc.wantBudget/mib, tc.limit/mib)
			}
		})
	}
}

// TestBudgetSharesShrinkWithPartitions: what grows with the partitions
// assigned (fetches, Arrow batches, the footers of spooled segments) is
// divided from the budget, so the total stays put from 1 to 36 partitions
// and beyond; the page buffers belong to the pooled writers, which number
// the cores, so pages do not shrink with partitions (decision 0142).
func TestBudgetSharesShrinkWithPartitions(t *testing.T) {
	c := Config{MemoryBytes: 128 << 20, BatchBytes: 512 << 10, FetchMaxBytes: 10 << 20}.withBudget()
	if c.BufferBytes != 32<<20 || c.FetchBufferBytes != 16<<20 {
		t.Fatalf("derived budgets: buffer %d, fetch %d; want 32 MiB, 16 MiB", c.BufferBytes, c.FetchBufferBytes)
	}
	explicit := Config{MemoryBytes: 128 << 20, BufferBytes: 8 << 20, FetchBufferBytes: 4 << 20}.withBudget()
	if explicit.BufferBytes != 8<<20 || explicit.FetchBufferBytes != 4<<20 {
		t.Fatalf("explicit budgets overridden: %d, %d", explicit.BufferBytes, explicit.FetchBufferBytes)
	}
	for _, p := range []int{1, 6, 36, 200} {
		fetch := int64(fetchBytes(&c, p)) * int64(p)
		batches := batchBytes(&c, p) * int64(p)
		floor := int64(p) * 64 << 10 // the smallest sizes, a floor for very many partitions
		if fetch > max(int64(c.FetchBufferBytes), 3*floor) || batches > max(c.BufferBytes/4, floor) {
			t.Errorf("%d partitions: fetches %d KiB, batches %d KiB: over their budgets", p, fetch>>10, batches>>10)
		}
	}
	const columns = 80 // employees
	for _, p := range []int{1, 6, 36} {
		if meta := int64(maxRowGroups(&c, p, columns)) * int64(p) * columns << 10; meta > max(c.MemoryBytes/8, int64(4*p*columns)<<10) {
			t.Errorf("%d partitions: spooled footers up to %d KiB, over an eighth of the budget", p, meta>>10)
		}
	}
	for _, tc := range []struct {
		memory  int64
		writers int
		want    int
	}{
		{128 << 20, 2, 1 << 20},    // an eighth over 8 pages of 2 writers
		{256 << 20, 2, 2 << 20},    // PARQUET_PAGE_BYTES
		{384 << 20, 2, 2 << 20},    // deploy/k8s
		{128 << 20, 16, 128 << 10}, // 16 writers
		{32 << 20, 2, 256 << 10},
		{32 << 20, 64, 64 << 10}, // the floor
	} {
		c := Config{MemoryBytes: tc.memory}
		if got := pageBytes(&c, 2<<20, tc.writers); got>>10 != tc.want>>10 {
			t.Errorf("%d MiB, %d writers: page %d KiB, want %d KiB", tc.memory>>20, tc.writers, got>>10, tc.want>>10)
		}
	}
	// Cores beyond what the budget gives 1 MiB pages get no writer of
	// their own: files keep their size on any machine.
	for _, tc := range []struct {
		memory            int64
		configured, cores int
		writers, page     int
	}{
		{128 << 20, 2 << 20, 2, 2, 1 << 20}, // the default on two cores
		{128 << 20, 2 << 20, 4, 2, 1 << 20}, // and on four: not 4 writers of 512 KiB
		{256 << 20, 2 << 20, 4, 4, 1 << 20},
		{384 << 20, 2 << 20, 4, 4, 1536 << 10}, // deploy/k8s on four cores
		{384 << 20, 2 << 20, 2, 2, 2 << 20},
		{64 << 20, 2 << 20, 2, 1, 1 << 20},
		{32 << 20, 2 << 20, 4, 1, 512 << 10},    // one writer at least
		{128 << 20, 256 << 10, 4, 4, 256 << 10}, // a configured page under 1 MiB is kept
	} {
		c := Config{MemoryBytes: tc.memory}
		if w, p := poolSize(&c, tc.configured, tc.cores); w != tc.writers || p>>10 != tc.page>>10 {
			t.Errorf("%d MiB, page %d KiB, %d cores: %d writers of %d KiB pages, want %d of %d KiB", tc.memory>>20, tc.configured>>10, tc.cores, w, p>>10, tc.writers, tc.page>>10)
		}
	}
}
