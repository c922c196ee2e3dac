package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/internal/miniotest"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// s3Agrees uploads the local archive at root to MinIO and checks that the
// tool reads the s3:// archive (through the store and its cache, no DuckDB
// extension) exactly as the local one, including after a file is replaced.
func s3Agrees(t *testing.T, root, key string) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	bucket := srv.MakeBucket(t, "audit")
	cfg := archive.Config{Output: "s3://" + bucket + "/lake", S3Endpoint: srv.Endpoint, S3Region: srv.Region,
		S3AccessKey: srv.AccessKey, S3SecretKey: envconf.Secret(srv.SecretKey), S3PathStyle: true, S3Insecure: true,
		S3PartSize: 5 << 20}
	store, err := archive.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".parquet" {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, filepath.ToSlash(rel))
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return archive.Put(ctx, store, filepath.ToSlash(rel), f)
	})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	open := func() *audit.Archive {
		a, err := audit.Open(ctx, audit.Config{Archive: cfg, TopicPrefix: "ukgpro.", CacheDir: cache}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	local := openArchive(t, root, "ukgpro.")
	want, err := local.Timeline(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	remote := open()
	got, err := remote.Timeline(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rows, want.Rows) {
		t.Errorf("s3 timeline differs from the local one: %d rows vs %d", len(got.Rows), len(want.Rows))
	}
	rep, err := remote.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || remote.Stats().Downloaded == 0 {
		t.Errorf("verify of the s3 archive: defects %+v, downloaded %d", rep.Defects, remote.Stats().Downloaded)
	}
	// A loader replaces a file (issue 15's growing files): the cached copy
	// is stale and must be fetched again. Replace one with another file's
	// content: verify must see it.
	if err := archive.Put(ctx, store, files[0], mustOpen(t, filepath.Join(root, filepath.FromSlash(files[1])))); err != nil {
		t.Fatal(err)
	}
	rep, err = open().Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Errorf("verify did not see the replaced object %s", files[0])
	}
}

func mustOpen(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
