package archive

import (
	"context"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ukgpro-stream/ukgpro-stream/internal/miniotest"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// backend builds stores of one kind for the table-driven tests.
type backend struct {
	name string
	// open returns a fresh, empty store.
	open func(t *testing.T, opts ...Option) Store
	// leftovers counts what interrupted writes of keys left behind:
	// temporary files (local) or incomplete multipart uploads (S3). It takes
	// exact keys because MinIO lists incomplete uploads by exact key only.
	leftovers func(t *testing.T, s Store, keys ...string) int
}

var bucketSeq atomic.Int64

func localBackend() backend {
	return backend{
		name: "local",
		open: func(t *testing.T, opts ...Option) Store {
			s, err := NewLocal(t.TempDir(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		leftovers: func(t *testing.T, s Store, keys ...string) int {
			root := s.(*Local).Root()
			n := 0
			for _, k := range keys {
				dir, name := path.Split(k)
				tmps, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(dir), "."+name+".tmp-*"))
				n += len(tmps)
			}
			return n
		},
	}
}

// s3Backend serves stores from an S3 endpoint; makeBucket creates a bucket.
func s3Backend(name, endpoint, access, secret string, unsigned bool) backend {
	client := func(t *testing.T) *minio.Core {
		c, err := minio.NewCore(endpoint, &minio.Options{
			Creds: credentials.NewStaticV4(access, secret, ""), Region: "us-east-1",
			BucketLookup: minio.BucketLookupPath,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return backend{
		name: name,
		open: func(t *testing.T, opts ...Option) Store {
			ctx := context.Background()
			bucket := "b" + strings.ToLower(strings.ReplaceAll(name, "/", "")) + time.Now().Format("150405") + "-" + strconv.FormatInt(bucketSeq.Add(1), 10)
			if err := client(t).MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
				t.Fatalf("make bucket: %v", err)
			}
			cfg := Config{
				Output:      "s3://" + bucket + "/lake/v1",
				S3Endpoint:  "http://" + endpoint,
				S3AccessKey: access, S3SecretKey: envconf.Secret(secret),
				S3PathStyle: true, S3PartSize: minPartSize,
				S3DisableContentSHA256: unsigned,
			}
			s, err := Open(ctx, cfg, opts...)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		leftovers: func(t *testing.T, s Store, keys ...string) int {
			s3 := s.(*S3)
			n := 0
			for _, k := range keys {
				res, err := s3.core.ListMultipartUploads(context.Background(), s3.bucket, s3.name(k), "", "", "", 1000)
				if isNoSuchUpload(err) {
					continue
				}
				if err != nil {
					t.Fatalf("list multipart uploads: %v", err)
				}
				for _, u := range res.Uploads {
					if u.Key == s3.name(k) {
						n++
					}
				}
			}
			return n
		},
	}
}

// fakeS3Backend runs gofakes3 in process.
func fakeS3Backend(t *testing.T) backend {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return s3Backend("gofakes3", strings.TrimPrefix(srv.URL, "http://"), "test", "test", true)
}

// minioBackend runs a real MinIO server on loopback.
func minioBackend(t *testing.T) backend {
	m := miniotest.Start(t)
	return s3Backend("minio", m.Endpoint, m.AccessKey, m.SecretKey, false)
}

// allBackends returns local, gofakes3 and MinIO (skipped in -short runs only).
func allBackends(t *testing.T) []backend {
	bs := []backend{localBackend(), fakeS3Backend(t)}
	if !testing.Short() {
		bs = append(bs, minioBackend(t))
	}
	return bs
}
