package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var errCrash = errors.New("simulated crash")

func keysOf(objs []Object) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return ks
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestStore(t *testing.T) {
	for _, be := range allBackends(t) {
		t.Run(be.name, func(t *testing.T) {
			t.Run("PutOpenListDelete", func(t *testing.T) { testPutOpenListDelete(t, be) })
			t.Run("InvisibleUntilCommit", func(t *testing.T) { testInvisibleUntilCommit(t, be) })
			t.Run("Abort", func(t *testing.T) { testAbort(t, be) })
			t.Run("Multipart", func(t *testing.T) { testMultipart(t, be) })
			t.Run("CrashMidUpload", func(t *testing.T) { testCrashMidUpload(t, be) })
			t.Run("CancelMidUpload", func(t *testing.T) { testCancelMidUpload(t, be) })
			t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, be) })
		})
	}
}

func testPutOpenListDelete(t *testing.T, be backend) {
	ctx := context.Background()
	s := be.open(t)
	files := map[string]string{
		"t/dt=2026-01-02/t+0+00000000000000000010.parquet": "b",
		"t/dt=2026-01-02/t+0+00000000000000000000.parquet": "a",
		"t/dt=2026-01-02/t+1+00000000000000000000.parquet": "c",
		"t/dt=2026-01-03/t+0+00000000000000000020.parquet": "d",
		"u/dt=2026-01-02/u+0+00000000000000000000.parquet": "ü€ non-ASCII",
	}
	for k, v := range files {
		if err := Put(ctx, s, k, strings.NewReader(v)); err != nil {
			t.Fatalf("Put %s: %v", k, err)
		}
	}
	for k, v := range files {
		got, err := ReadAll(ctx, s, k)
		if err != nil || string(got) != v {
			t.Errorf("ReadAll %s = %q, %v; want %q", k, got, err, v)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"t/dt=2026-01-02/t+0+", []string{
			"t/dt=2026-01-02/t+0+00000000000000000000.parquet",
			"t/dt=2026-01-02/t+0+00000000000000000010.parquet"}},
		{"t/", []string{
			"t/dt=2026-01-02/t+0+00000000000000000000.parquet",
			"t/dt=2026-01-02/t+0+00000000000000000010.parquet",
			"t/dt=2026-01-02/t+1+00000000000000000000.parquet",
			"t/dt=2026-01-03/t+0+00000000000000000020.parquet"}},
		{"t/dt=2026-01-0", []string{
			"t/dt=2026-01-02/t+0+00000000000000000000.parquet",
			"t/dt=2026-01-02/t+0+00000000000000000010.parquet",
			"t/dt=2026-01-02/t+1+00000000000000000000.parquet",
			"t/dt=2026-01-03/t+0+00000000000000000020.parquet"}},
		{"t/dt=2026-01-04/", nil},
		{"nothing/", nil},
	}
	for _, tc := range tests {
		objs, err := s.List(ctx, tc.prefix)
		if err != nil {
			t.Fatalf("List %q: %v", tc.prefix, err)
		}
		if got := keysOf(objs); !slices.Equal(got, tc.want) {
			t.Errorf("List %q = %q, want %q", tc.prefix, got, tc.want)
		}
	}
	all, err := s.List(ctx, "")
	if err != nil || len(all) != len(files) {
		t.Fatalf("List all = %d objects, %v; want %d", len(all), err, len(files))
	}
	for _, o := range all {
		if o.Size != int64(len(files[o.Key])) {
			t.Errorf("%s size %d, want %d", o.Key, o.Size, len(files[o.Key]))
		}
	}
	del := "t/dt=2026-01-02/t+0+00000000000000000010.parquet"
	if err := s.Delete(ctx, del); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete(ctx, del); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
	if _, err := s.Open(ctx, del); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open deleted key: %v, want fs.ErrNotExist", err)
	}
}

func testInvisibleUntilCommit(t *testing.T, be backend) {
	ctx := context.Background()
	s := be.open(t)
	key := "t/dt=2026-01-02/t+0+00000000000000000000.parquet"
	if err := Put(ctx, s, key, strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	newBody := randomBytes(t, 100_000)
	if _, err := w.Write(newBody); err != nil {
		t.Fatal(err)
	}
	// Before Commit: the old content, and only it, is visible.
	got, err := ReadAll(ctx, s, key)
	if err != nil || string(got) != "old" {
		t.Fatalf("before commit: %q, %v; want old content", got[:min(len(got), 10)], err)
	}
	objs, _ := s.List(ctx, "t/")
	if len(objs) != 1 || objs[0].Size != 3 {
		t.Fatalf("before commit List = %+v, want only the old object", objs)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(ctx); err != nil {
		t.Errorf("Abort after Commit = %v, want nil", err)
	}
	got, err = ReadAll(ctx, s, key)
	if err != nil || !bytes.Equal(got, newBody) {
		t.Fatalf("after commit: %d bytes, %v; want the %d new bytes", len(got), err, len(newBody))
	}
	if n := be.leftovers(t, s, key); n != 0 {
		t.Errorf("%d leftovers after commit", n)
	}
}

func testAbort(t *testing.T, be backend) {
	ctx := context.Background()
	s := be.open(t)
	for _, size := range []int{10, 3*minPartSize/2 + 7} { // single PUT and multipart
		key := "t/dt=2026-01-02/t+0+00000000000000000000.parquet"
		w, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(randomBytes(t, size)); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(ctx); err == nil {
			t.Error("Commit after Abort succeeded")
		}
		if objs, _ := s.List(ctx, ""); len(objs) != 0 {
			t.Errorf("size %d: List after Abort = %q, want nothing", size, keysOf(objs))
		}
		if n := be.leftovers(t, s, key); n != 0 {
			t.Errorf("size %d: %d leftovers after Abort, want 0", size, n)
		}
	}
}

func testMultipart(t *testing.T, be backend) {
	ctx := context.Background()
	s := be.open(t)
	body := randomBytes(t, 2*minPartSize+12345) // three parts, the last short
	key := "big/dt=2026-01-02/big+0+00000000000000000000.parquet"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes cross part boundaries inside one Write.
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 777_777)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := ReadAll(ctx, s, key)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes, %v; want %d identical bytes", len(got), err, len(body))
	}
}

// testCrashMidUpload kills a write after its first part: nothing may be
// visible, and CleanIncomplete must remove what is left.
func testCrashMidUpload(t *testing.T, be backend) {
	ctx := context.Background()
	var parts int
	s := be.open(t, WithHook(func(_ context.Context, p Point, key string) error {
		if p == PointPart {
			parts++
			if parts == 1 {
				return errCrash
			}
		}
		return nil
	}))
	key := "t/dt=2026-01-02/t+3+00000000000000000100.parquet"
	w, err := s.Create(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write(randomBytes(t, 2*minPartSize+1))
	if !errors.Is(err, errCrash) {
		t.Fatalf("Write = %v, want the crash", err)
	}
	// A killed process runs no deferred Abort; the error path must not
	// clean up either, or the test would prove nothing about recovery.
	if objs, _ := s.List(ctx, ""); len(objs) != 0 {
		t.Fatalf("List after crash = %q, want nothing visible", keysOf(objs))
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open after crash = %v, want fs.ErrNotExist", err)
	}
	if n := be.leftovers(t, s, key); n != 1 {
		t.Fatalf("%d leftovers after crash, want 1 (the interrupted write)", n)
	}
	// Another key must not touch it.
	if err := s.CleanIncomplete(ctx, "t/dt=2026-01-02/t+31+00000000000000000100.parquet"); err != nil {
		t.Fatal(err)
	}
	if n := be.leftovers(t, s, key); n != 1 {
		t.Fatalf("cleaning partition 31 removed partition 3's leftover")
	}
	if err := s.CleanIncomplete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n := be.leftovers(t, s, key); n != 0 {
		t.Fatalf("%d leftovers after CleanIncomplete, want 0", n)
	}
}

// blockingReader yields n bytes, then blocks until ctx ends.
type blockingReader struct {
	ctx     context.Context
	n       int
	reached chan struct{}
	once    sync.Once
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		r.once.Do(func() { close(r.reached) })
		<-r.ctx.Done()
		return 0, r.ctx.Err()
	}
	k := min(len(p), r.n)
	rand.Read(p[:k])
	r.n -= k
	return k, nil
}

func testCancelMidUpload(t *testing.T, be backend) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := be.open(t)
	key := "t/dt=2026-01-02/t+0+00000000000000000000.parquet"
	r := &blockingReader{ctx: ctx, n: 2*minPartSize + 10, reached: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- Put(ctx, s, key, r) }()
	<-r.reached // two parts are uploaded (S3) or written (local)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	bg := context.Background()
	if objs, _ := s.List(bg, ""); len(objs) != 0 {
		t.Fatalf("List after cancel = %q, want nothing", keysOf(objs))
	}
	if n := be.leftovers(t, s, key); n != 0 {
		t.Fatalf("%d leftovers after a cancelled Put, want 0 (aborted)", n)
	}
}

func testInvalidKeys(t *testing.T, be backend) {
	ctx := context.Background()
	s := be.open(t)
	for _, k := range []string{"", "/abs", "a//b", "a/../b", "a/./b", "a/.hidden", "..", "a/b/", ".tmp"} {
		if _, err := s.Create(ctx, k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Create(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

// TestLocalReaderNeverSeesPartial replaces one file many times while a
// reader keeps reading it: every read must be one whole version.
func TestLocalReaderNeverSeesPartial(t *testing.T) {
	ctx := context.Background()
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := "t/dt=2026-01-02/t+0+00000000000000000000.parquet"
	versions := make([][]byte, 20)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10+i)
	}
	if err := Put(ctx, s, key, bytes.NewReader(versions[0])); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	readerErr := make(chan error, 1)
	go func() {
		reads := 0
		for {
			select {
			case <-stop:
				readerErr <- nil
				return
			default:
			}
			got, err := ReadAll(ctx, s, key)
			if err != nil {
				readerErr <- err
				return
			}
			i := int(got[0] - 'a')
			if i < 0 || i >= len(versions) || !bytes.Equal(got, versions[i]) {
				readerErr <- errors.New("read a partial or mixed file")
				return
			}
			reads++
		}
	}()
	for _, v := range versions[1:] {
		w, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		// Write in small pieces so a reader of the temp file would see it grow.
		for rest := v; len(rest) > 0; rest = rest[min(len(rest), 4096):] {
			if _, err := w.Write(rest[:min(len(rest), 4096)]); err != nil {
				t.Fatal(err)
			}
		}
		// The temp file exists on disk and List ignores it.
		tmps, _ := filepath.Glob(filepath.Join(s.Root(), "t", "dt=2026-01-02", ".*.tmp-*"))
		if len(tmps) != 1 {
			t.Fatalf("temp files during write = %v, want 1", tmps)
		}
		if objs, _ := s.List(ctx, "t/"); len(objs) != 1 || objs[0].Key != key {
			t.Fatalf("List during write = %q, want only %s", keysOf(objs), key)
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	got, _ := ReadAll(ctx, s, key)
	if !bytes.Equal(got, versions[len(versions)-1]) {
		t.Fatal("final content is not the last version")
	}
}

// TestLocalCommitOrder checks the durable publish sequence through the
// hooks: data written, then sync, then publish, then published with the
// file visible and no temp file left.
func TestLocalCommitOrder(t *testing.T) {
	ctx := context.Background()
	var seen []Point
	var s *Local
	key := "t/dt=2026-01-02/t+0+00000000000000000000.parquet"
	s, err := NewLocal(t.TempDir(), WithHook(func(_ context.Context, p Point, k string) error {
		if len(seen) == 0 || seen[len(seen)-1] != p {
			seen = append(seen, p)
		}
		_, statErr := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(k)))
		visible := statErr == nil
		if visible != (p == PointPublished) {
			t.Errorf("at %v the file visible = %v", p, visible)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := Put(ctx, s, key, strings.NewReader("data")); err != nil {
		t.Fatal(err)
	}
	want := []Point{PointPart, PointSync, PointPublish, PointPublished}
	if !slices.Equal(seen, want) {
		t.Fatalf("points = %v, want %v", seen, want)
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		in, kind, rest string
		wantErr        bool
	}{
		{"/data/lake", "file", "/data/lake", false},
		{"lake/", "file", "lake", false},
		{"file:///data/lake", "file", "/data/lake", false},
		{"file://localhost/data/lake", "file", "/data/lake", false},
		{"file://host/data", "", "", true},
		{"s3://bucket", "s3", "bucket/", false},
		{"s3://bucket/a/b/", "s3", "bucket/a/b", false},
		{"s3:///nobucket", "", "", true},
		{"s3://bucket/a/../b", "", "", true},
		{"gs://bucket", "", "", true},
	}
	for _, tc := range tests {
		kind, rest, err := parseOutput(tc.in)
		if (err != nil) != tc.wantErr || kind != tc.kind || rest != tc.rest {
			t.Errorf("parseOutput(%q) = %q, %q, %v; want %q, %q, err=%v", tc.in, kind, rest, err, tc.kind, tc.rest, tc.wantErr)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error, "" for valid
	}{
		{"ok local", Config{Output: "/tmp/x"}, ""},
		{"missing output", Config{}, "LOADER_OUTPUT is required"},
		{"bad scheme", Config{Output: "ftp://x"}, "LOADER_OUTPUT"},
		{"small part", Config{Output: "s3://b", S3PartSize: 1 << 20}, "S3_PART_SIZE"},
		{"half credentials", Config{Output: "s3://b", S3AccessKey: "k"}, "S3_SECRET_ACCESS_KEY"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestS3Endpoint(t *testing.T) {
	tests := []struct {
		cfg        Config
		host       string
		secure, ok bool
	}{
		{Config{}, "s3.amazonaws.com", true, true},
		{Config{S3Region: "eu-west-1"}, "s3.eu-west-1.amazonaws.com", true, true},
		{Config{S3Endpoint: "minio:9000"}, "minio:9000", true, true},
		{Config{S3Endpoint: "minio:9000", S3Insecure: true}, "minio:9000", false, true},
		{Config{S3Endpoint: "http://127.0.0.1:9000"}, "127.0.0.1:9000", false, true},
		{Config{S3Endpoint: "https://s3.example.com/"}, "s3.example.com", true, true},
		{Config{S3Endpoint: "https://s3.example.com/base"}, "", false, false},
		{Config{S3Endpoint: "ftp://x"}, "", false, false},
	}
	for _, tc := range tests {
		host, secure, err := s3Endpoint(tc.cfg)
		if (err == nil) != tc.ok || host != tc.host || secure != tc.secure {
			t.Errorf("s3Endpoint(%+v) = %q, %v, %v; want %q, %v, ok=%v", tc.cfg, host, secure, err, tc.host, tc.secure, tc.ok)
		}
	}
}
