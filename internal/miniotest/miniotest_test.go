package miniotest

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

func TestBinaryMissingSaysHowToBuild(t *testing.T) {
	t.Setenv("MINIO_BIN", filepath.Join(t.TempDir(), "nope"))
	_, err := Binary()
	if err == nil || !strings.Contains(err.Error(), "make minio") {
		t.Fatalf("Binary() = %v, want an error telling to run make minio", err)
	}
}

func TestStartServesS3(t *testing.T) {
	s := Start(t)
	bucket := s.MakeBucket(t, "probe")
	c := s.Client(t)
	ctx := context.Background()
	body := []byte("hello minio")
	if _, err := c.PutObject(ctx, bucket, "a/b.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(ctx, bucket, "a/b.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %q, %v", got, err)
	}
}
