package archive

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a [Store] in an S3-compatible bucket, through minio-go.
//
// An object smaller than the part size is sent with one PutObject after
// Commit; a larger one is streamed as a multipart upload whose parts are
// sent as the writer fills them and which is completed only in Commit. S3
// shows neither a PUT in flight nor an uncompleted multipart upload, so the
// object appears whole or not at all. Abort, a failed part or a cancelled
// context aborts the upload; uploads left by a killed process are aborted by
// CleanIncomplete.
type S3 struct {
	core     *minio.Core
	bucket   string
	prefix   string // "" or "a/b/" (with the trailing slash)
	partSize int64
	unsigned bool
	hook     Hook
	log      *slog.Logger
}

// abortTimeout bounds the cleanup requests made after a failure.
const abortTimeout = 30 * time.Second

// NewS3 returns a store for bucket under prefix ("" for the bucket root)
// with the endpoint and credentials of cfg. It checks that the bucket exists.
func NewS3(ctx context.Context, cfg Config, bucket, prefix string, opts ...Option) (*S3, error) {
	o := buildOptions(opts)
	endpoint, secure, err := s3Endpoint(cfg)
	if err != nil {
		return nil, err
	}
	var creds *credentials.Credentials
	if cfg.S3AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.S3AccessKey, cfg.S3SecretKey.Reveal(), cfg.S3Token.Reveal())
	} else {
		creds = credentials.NewIAM("")
	}
	lookup := minio.BucketLookupAuto
	if cfg.S3PathStyle {
		lookup = minio.BucketLookupPath
	}
	core, err := minio.NewCore(endpoint, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       cfg.S3Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", endpoint, err)
	}
	ok, err := core.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %s at %s: %w", bucket, endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 bucket %s at %s does not exist", bucket, endpoint)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	part := cfg.S3PartSize
	if part == 0 {
		part = 16 << 20
	}
	return &S3{
		core: core, bucket: bucket, prefix: prefix, partSize: part,
		unsigned: cfg.S3DisableContentSHA256, hook: o.hook, log: o.logger,
	}, nil
}

// s3Endpoint turns S3_ENDPOINT into minio-go's host[:port] and TLS flag.
func s3Endpoint(cfg Config) (string, bool, error) {
	ep := cfg.S3Endpoint
	secure := !cfg.S3Insecure
	if ep == "" {
		region := cfg.S3Region
		if region == "" || region == "us-east-1" {
			return "s3.amazonaws.com", secure, nil
		}
		return "s3." + region + ".amazonaws.com", secure, nil
	}
	if strings.Contains(ep, "://") {
		u, err := url.Parse(ep)
		if err != nil {
			return "", false, fmt.Errorf("S3_ENDPOINT: %w", err)
		}
		if u.Path != "" && u.Path != "/" {
			return "", false, fmt.Errorf("S3_ENDPOINT %q: a path is not supported", ep)
		}
		switch u.Scheme {
		case "http":
			secure = false
		case "https":
			secure = true
		default:
			return "", false, fmt.Errorf("S3_ENDPOINT %q: scheme must be http or https", ep)
		}
		ep = u.Host
	}
	return ep, secure, nil
}

func (s *S3) name(key string) string { return s.prefix + key }

func (s *S3) callHook(ctx context.Context, p Point, key string) error {
	if s.hook == nil {
		return nil
	}
	return s.hook(ctx, p, key)
}

func isNotFound(err error) bool {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey"
	}
	return false
}

func isNoSuchUpload(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.Code == "NoSuchUpload"
}

// isFenced reports whether err is a conditional write's refusal: 412
// Precondition Failed, 409 ConditionalRequestConflict (AWS, for racing
// conditional writes), a missing object under If-Match (NoSuchKey), or an
// upload aborted by the partition's new owner (NoSuchUpload). Other errors
// (a missing bucket, a denied request) are not.
func isFenced(err error) bool {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	return resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed" ||
		resp.Code == "ConditionalRequestConflict" || resp.Code == "NoSuchUpload" || resp.Code == "NoSuchKey"
}

// Create implements [Store].
func (s *S3) Create(ctx context.Context, key string) (ObjectWriter, error) {
	return s.create(ctx, key, nil)
}

// CreateIf implements [Versioned]: the PutObject or CompleteMultipartUpload
// that publishes the object carries If-Match: "<version>", or
// If-None-Match: * when version is "" (decision 0130).
func (s *S3) CreateIf(ctx context.Context, key, version string) (VersionedWriter, error) {
	return s.create(ctx, key, &version)
}

func (s *S3) create(ctx context.Context, key string, ifVersion *string) (*s3Writer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	return &s3Writer{s: s, ctx: ctx, key: key, sum: md5.New(), ifVersion: ifVersion}, nil
}

// s3Writer collects each part in an unlinked temporary file (a
// [SpoolFile]), not in memory: a loader with many partitions publishing at
// once holds no part buffers on its heap (decision 0048).
type s3Writer struct {
	s        *S3
	ctx      context.Context
	key      string
	part     *os.File  // the part being filled; nil until the first Write
	partLen  int64     // bytes in part
	sum      hash.Hash // MD5 of part
	uploadID string
	parts    []minio.CompletePart
	done     bool
	err      error
	// ifVersion makes the publication conditional (nil: not): on this
	// ETag, or on the key being absent ("").
	ifVersion *string
	etag      string // of the committed object
}

// Version implements [VersionedWriter].
func (w *s3Writer) Version() string { return w.etag }

// publishOptions are the options of the request that makes the object
// visible, with the writer's condition.
func (w *s3Writer) publishOptions() minio.PutObjectOptions {
	o := minio.PutObjectOptions{ContentType: contentType(w.key), DisableContentSha256: w.s.unsigned}
	switch {
	case w.ifVersion == nil:
	case *w.ifVersion == "":
		o.SetMatchETagExcept("*")
	default:
		o.SetMatchETag(*w.ifVersion)
	}
	return o
}

// publishErr wraps the error of the publishing request; a refused
// condition matches ErrFenced.
func (w *s3Writer) publishErr(what string, err error) error {
	if w.ifVersion != nil && isFenced(err) {
		return fmt.Errorf("%s %s: %w (%w)", what, w.key, ErrFenced, err)
	}
	return fmt.Errorf("%s %s: %w", what, w.key, err)
}

func (w *s3Writer) partMD5() string {
	return base64.StdEncoding.EncodeToString(w.sum.Sum(nil))
}

// partReader reads the part from its start.
func (w *s3Writer) partReader() io.Reader {
	if w.part == nil {
		return bytes.NewReader(nil)
	}
	return io.NewSectionReader(w.part, 0, w.partLen)
}

// resetPart empties the part file for the next part.
func (w *s3Writer) resetPart() error {
	w.sum.Reset()
	w.partLen = 0
	if err := w.part.Truncate(0); err != nil {
		return err
	}
	_, err := w.part.Seek(0, io.SeekStart)
	return err
}

func (w *s3Writer) closePart() {
	if w.part != nil {
		w.part.Close()
		w.part = nil
	}
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.done {
		return 0, fmt.Errorf("write %s: writer closed", w.key)
	}
	if w.part == nil {
		f, err := SpoolFile()
		if err != nil {
			return 0, w.fail(fmt.Errorf("write %s: %w", w.key, err))
		}
		w.part = f
	}
	n := 0
	for len(p) > 0 {
		k := int(min(w.s.partSize-w.partLen, int64(len(p))))
		if _, err := w.part.Write(p[:k]); err != nil {
			return n, w.fail(fmt.Errorf("write %s: spool part: %w", w.key, err))
		}
		w.sum.Write(p[:k])
		w.partLen += int64(k)
		p, n = p[k:], n+k
		if w.partLen == w.s.partSize {
			if err := w.uploadPart(w.ctx); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// uploadPart sends the spooled part as the next part, starting the upload if needed.
func (w *s3Writer) uploadPart(ctx context.Context) error {
	name := w.s.name(w.key)
	if w.uploadID == "" {
		id, err := w.s.core.NewMultipartUpload(ctx, w.s.bucket, name, minio.PutObjectOptions{
			ContentType: contentType(w.key),
		})
		if err != nil {
			return w.fail(fmt.Errorf("start multipart upload of %s: %w", w.key, err))
		}
		w.uploadID = id
	}
	num := len(w.parts) + 1
	part, err := w.s.core.PutObjectPart(ctx, w.s.bucket, name, w.uploadID, num,
		w.partReader(), w.partLen, minio.PutObjectPartOptions{
			Md5Base64:            w.partMD5(),
			DisableContentSha256: w.s.unsigned,
		})
	if err != nil {
		if w.ifVersion != nil && isNoSuchUpload(err) {
			// The partition's new owner aborted this upload in its recovery.
			err = fmt.Errorf("%w (%w)", ErrFenced, err)
		}
		return w.fail(fmt.Errorf("upload part %d of %s: %w", num, w.key, err))
	}
	w.parts = append(w.parts, minio.CompletePart{PartNumber: num, ETag: part.ETag})
	if err := w.resetPart(); err != nil {
		return w.fail(fmt.Errorf("upload part %d of %s: reset spool: %w", num, w.key, err))
	}
	if err := w.s.callHook(ctx, PointPart, w.key); err != nil {
		w.err, w.done = err, true // crash: leave the upload behind
		w.closePart()
		return err
	}
	return nil
}

// fail records err and aborts the upload, even if ctx was cancelled.
func (w *s3Writer) fail(err error) error {
	w.err = err
	w.abort(w.ctx)
	return err
}

func (w *s3Writer) abort(ctx context.Context) {
	if w.done {
		return
	}
	w.done = true
	w.closePart()
	if w.uploadID == "" {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if err := w.s.core.AbortMultipartUpload(actx, w.s.bucket, w.s.name(w.key), w.uploadID); err != nil {
		// CleanIncomplete removes it at the partition's next recovery.
		w.s.log.Warn("abort multipart upload", "key", w.key, "err", err)
	}
}

func (w *s3Writer) Commit(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("commit %s: writer closed", w.key)
	}
	if err := w.s.callHook(ctx, PointSync, w.key); err != nil {
		w.err, w.done = err, true
		w.closePart()
		return err
	}
	name := w.s.name(w.key)
	if w.uploadID == "" {
		if err := w.s.callHook(ctx, PointPublish, w.key); err != nil {
			w.err, w.done = err, true
			w.closePart()
			return err
		}
		info, err := w.s.core.PutObject(ctx, w.s.bucket, name, w.partReader(), w.partLen,
			w.partMD5(), "", w.publishOptions())
		w.done = true
		w.closePart()
		if err != nil {
			return w.publishErr("put", err)
		}
		w.etag = info.ETag
	} else {
		if w.partLen > 0 {
			if err := w.uploadPart(ctx); err != nil {
				return err
			}
		}
		if err := w.s.callHook(ctx, PointPublish, w.key); err != nil {
			w.err, w.done = err, true
			w.closePart()
			return err
		}
		info, err := w.s.core.CompleteMultipartUpload(ctx, w.s.bucket, name, w.uploadID, w.parts, w.publishOptions())
		if err != nil {
			return w.fail(w.publishErr("complete multipart upload of", err))
		}
		w.etag = info.ETag
		w.done = true
		w.closePart()
	}
	return w.s.callHook(ctx, PointPublished, w.key)
}

func (w *s3Writer) Abort(ctx context.Context) error {
	w.abort(ctx)
	return nil
}

func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".parquet"):
		return "application/vnd.apache.parquet"
	case strings.HasSuffix(key, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}

// Open implements [Store].
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, _, err := s.OpenVersion(ctx, key)
	return r, err
}

// OpenVersion implements [Versioned]: the version is the ETag of the
// object the GET returns.
func (s *S3) OpenVersion(ctx context.Context, key string) (io.ReadCloser, string, error) {
	if err := checkKey(key); err != nil {
		return nil, "", err
	}
	r, info, _, err := s.core.GetObject(ctx, s.bucket, s.name(key), minio.GetObjectOptions{})
	if isNotFound(err) {
		return nil, "", notExist(key)
	}
	if err != nil {
		return nil, "", fmt.Errorf("open %s: %w", key, err)
	}
	return r, strings.Trim(info.ETag, `"`), nil
}

// CheckConditional proves that the endpoint honours conditional writes: it
// writes a probe object under _loader/, then writes it again with
// If-None-Match: * and expects 412, then removes it. An endpoint that
// ignores the header (some S3-compatible servers) fences nothing; the
// loader warns at start (decision 0130). CompleteMultipartUpload is not
// probed: an endpoint may honour the header on PutObject only (gofakes3).
func (s *S3) CheckConditional(ctx context.Context) error {
	key := "_loader/fence-probe-" + fenceToken()
	if err := Put(ctx, s, key, strings.NewReader("probe")); err != nil {
		return fmt.Errorf("probe conditional writes: %w", err)
	}
	defer s.Delete(context.WithoutCancel(ctx), key)
	w, err := s.CreateIf(ctx, key, "")
	if err != nil {
		return fmt.Errorf("probe conditional writes: %w", err)
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if _, err := io.WriteString(w, "again"); err != nil {
		return fmt.Errorf("probe conditional writes: %w", err)
	}
	err = w.Commit(ctx)
	switch {
	case errors.Is(err, ErrFenced):
		return nil
	case err == nil:
		return errors.New("the S3 endpoint ignores If-None-Match: it overwrote an existing object")
	}
	return fmt.Errorf("probe conditional writes: %w", err)
}

// List implements [Store] with ListObjectsV2 over the prefix.
func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	for obj := range s.core.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix: s.name(prefix), Recursive: true,
	}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("list %q: %w", prefix, obj.Err)
		}
		out = append(out, Object{
			Key: strings.TrimPrefix(obj.Key, s.prefix), Size: obj.Size, ModTime: obj.LastModified,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements [Store].
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.core.RemoveObject(ctx, s.bucket, s.name(key), minio.RemoveObjectOptions{}); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// CleanIncomplete implements [Store]: it aborts every incomplete multipart
// upload whose key starts with prefix.
func (s *S3) CleanIncomplete(ctx context.Context, prefix string) error {
	keyMarker, idMarker := "", ""
	for {
		res, err := s.core.ListMultipartUploads(ctx, s.bucket, s.name(prefix), keyMarker, idMarker, "", 1000)
		if isNoSuchUpload(err) {
			return nil // gofakes3 answers so for a bucket that never had an upload
		}
		if err != nil {
			return fmt.Errorf("list incomplete uploads %q: %w", prefix, err)
		}
		for _, u := range res.Uploads {
			if err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); err != nil && !isNotFound(err) {
				return fmt.Errorf("abort incomplete upload of %s: %w", strings.TrimPrefix(u.Key, s.prefix), err)
			}
			s.log.Info("aborted incomplete upload", "key", strings.TrimPrefix(u.Key, s.prefix))
		}
		if !res.IsTruncated {
			return nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}
