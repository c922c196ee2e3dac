package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Config selects and configures the store the loader writes to. Programs
// nest it in their own configuration; the loader's variables keep these
// names.
type Config struct {
	// Output is where files go: a directory path, a file:// URL or
	// s3://bucket/prefix.
	Output string `env:"LOADER_OUTPUT, required" desc:"archive root: a directory, file:///abs/path or s3://bucket/prefix"`

	S3Endpoint  string         `env:"S3_ENDPOINT" desc:"S3 endpoint host[:port] or URL (empty: AWS S3 for S3_REGION)"`
	S3Region    string         `env:"S3_REGION, default=us-east-1" desc:"S3 region"`
	S3AccessKey string         `env:"S3_ACCESS_KEY_ID" desc:"S3 access key id (empty: IAM role / instance credentials)"`
	S3SecretKey envconf.Secret `env:"S3_SECRET_ACCESS_KEY" desc:"S3 secret access key"`
	S3Token     envconf.Secret `env:"S3_SESSION_TOKEN" desc:"S3 session token for temporary credentials"`
	S3PathStyle bool           `env:"S3_USE_PATH_STYLE, default=false" desc:"address buckets as endpoint/bucket instead of bucket.endpoint (MinIO and most self-hosted stores)"`
	S3Insecure  bool           `env:"S3_INSECURE, default=false" desc:"talk plain HTTP to the S3 endpoint (local test servers only)"`
	S3PartSize  int64          `env:"S3_PART_SIZE, default=16777216" desc:"multipart upload part size in bytes (>= 5 MiB); smaller objects are one PUT"`
	// S3DisableContentSHA256 sends parts with UNSIGNED-PAYLOAD instead of
	// aws-chunked signed streaming. gofakes3 needs it: it stores the chunk
	// signatures inside multipart parts otherwise. Integrity is still checked
	// with Content-MD5 on every request.
	S3DisableContentSHA256 bool `env:"S3_DISABLE_CONTENT_SHA256, default=false" desc:"send unsigned payloads (Content-MD5 still checked); needed for gofakes3"`
}

const minPartSize = 5 << 20

// Validate checks the configuration; messages name the variable.
func (c Config) Validate() error {
	var errs []error
	if c.Output == "" {
		errs = append(errs, errors.New("LOADER_OUTPUT is required"))
	} else if _, _, err := parseOutput(c.Output); err != nil {
		errs = append(errs, fmt.Errorf("LOADER_OUTPUT: %w", err))
	}
	if c.S3PartSize != 0 && c.S3PartSize < minPartSize {
		errs = append(errs, fmt.Errorf("S3_PART_SIZE must be at least %d (5 MiB), got %d", minPartSize, c.S3PartSize))
	}
	if c.S3PartSize > 5<<30 {
		errs = append(errs, fmt.Errorf("S3_PART_SIZE must be at most 5 GiB, got %d", c.S3PartSize))
	}
	if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
		errs = append(errs, errors.New("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together"))
	}
	return errors.Join(errs...)
}

// Option adjusts how [Open], [NewLocal] and [NewS3] build a store.
type Option interface{ apply(*options) }

type options struct {
	hook   Hook
	logger *slog.Logger
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithHook installs a fault-injection hook (see [Hook]).
func WithHook(h Hook) Option { return optionFunc(func(o *options) { o.hook = h }) }

// WithLogger sets the logger for recovery and cleanup messages.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(o *options) { o.logger = l }) }

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Open returns the store cfg.Output names: a directory ("/data/lake",
// "file:///data/lake") or a bucket and prefix ("s3://lake/ukgpro").
func Open(ctx context.Context, cfg Config, opts ...Option) (Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kind, rest, _ := parseOutput(cfg.Output)
	switch kind {
	case "s3":
		bucket, prefix, _ := strings.Cut(rest, "/")
		return NewS3(ctx, cfg, bucket, prefix, opts...)
	default:
		return NewLocal(rest, opts...)
	}
}

// parseOutput splits LOADER_OUTPUT into "file" and a path or "s3" and
// "bucket/prefix".
func parseOutput(out string) (kind, rest string, err error) {
	if !strings.Contains(out, "://") {
		return "file", filepath.Clean(out), nil
	}
	u, err := url.Parse(out)
	if err != nil {
		return "", "", err
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return "", "", fmt.Errorf("file URL %q has a host; use file:///absolute/path", out)
		}
		if u.Path == "" {
			return "", "", fmt.Errorf("file URL %q has no path", out)
		}
		return "file", filepath.Clean(filepath.FromSlash(u.Path)), nil
	case "s3":
		if u.Host == "" {
			return "", "", fmt.Errorf("s3 URL %q has no bucket", out)
		}
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			if err := checkKey(prefix); err != nil {
				return "", "", fmt.Errorf("s3 URL %q: bad prefix: %w", out, err)
			}
		}
		return "s3", u.Host + "/" + prefix, nil
	}
	return "", "", fmt.Errorf("unsupported scheme %q (want a path, file:// or s3://)", u.Scheme)
}
