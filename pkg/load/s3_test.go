package load

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// fakeS3 serves an in-process S3 (gofakes3) with bucket "lake" and returns
// the archive configuration for s3://lake/ukgpro on it.
func fakeS3(t *testing.T) archive.Config { return fakeS3With(t, nil) }

// fakeS3With is fakeS3 with the server's handler wrapped by wrap (nil: none).
func fakeS3With(t *testing.T, wrap func(http.Handler) http.Handler) archive.Config {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := gofakes3.New(s3mem.New()).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	mc, err := minio.New(ln.Addr().String(), &minio.Options{Creds: credentials.NewStaticV4("test", "test", ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(context.Background(), "lake", minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	return archive.Config{
		Output: "s3://lake/ukgpro", S3Endpoint: ln.Addr().String(), S3Region: "us-east-1",
		S3AccessKey: "test", S3SecretKey: envconf.Secret("test"), S3PathStyle: true, S3Insecure: true,
		S3PartSize: 5 << 20, S3DisableContentSHA256: true,
	}
}

// download copies every object of the store below dir, keeping the keys.
func download(t testing.TB, s archive.Store, dir string) {
	t.Helper()
	objs, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		b, err := archive.ReadAll(context.Background(), s, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestS3ArchiveCrashAndDrain: the same protocol on an S3 bucket: a crash
// after a file became visible but before its commit, then a drain; the
// bucket ends with every record exactly once.
func TestS3ArchiveCrashAndDrain(t *testing.T) {
	kc := testKafka(t, 2)
	emp := kc.Topic(kafkax.Employees)
	produce(t, kc, emp, employees(0, 300)...)
	acfg := fakeS3(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &crasher{step: archive.PointPublished.String(), after: 3, fired: make(chan struct{}), cancel: cancel}
	store, err := archive.Open(ctx, acfg, archive.WithHook(c.archiveHook))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.RotateRows = 40
	done := runLoader(t, ctx, cfg, kc, Options{Archive: StoreArchive{Store: store, Options: []archive.Option{archive.WithHook(c.archiveHook)}}, Hook: c.loadHook})
	select {
	case <-c.fired:
	case <-time.After(30 * time.Second):
		t.Fatal("the loader never published 3 files")
	}
	wait(t, done, 30*time.Second)

	clean, err := archive.Open(context.Background(), acfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Drain, cfg.RotateRows = true, 17
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: StoreArchive{Store: clean}}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	download(t, clean, dir)
	if files := listFiles(t, dir, emp); len(files) == 0 || !strings.HasPrefix(files[0], emp+"/dt=") {
		t.Fatalf("objects in the bucket: %v", files)
	}
	exactness(t, openDuck(t), dir, emp, highWaterMarks(t, kc, emp))
}
