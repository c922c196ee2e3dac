package ukgpro

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

// Sentinels for errors.Is. An *APIError matches the one for its status.
var (
	// ErrUnauthorized: 401, the service account or the Customer API Key was
	// rejected. Never retried.
	ErrUnauthorized = errors.New("ukgpro: unauthorized")
	// ErrForbidden: 403, the account lacks the View role on the endpoint's
	// web service (the message names it). Never retried.
	ErrForbidden = errors.New("ukgpro: forbidden")
	// ErrNotFound: 404 where data was expected (page 1 of a list, or one
	// employee's rows).
	ErrNotFound = errors.New("ukgpro: not found")
	// ErrMalformedPage: a 200 response whose body is not a JSON array of
	// objects (or one object). Retried a few times, then returned wrapped
	// with the endpoint and page.
	ErrMalformedPage = errors.New("ukgpro: malformed page")
	// errTimeout marks a request that hit Config.RequestTimeout.
	errTimeout = errors.New("ukgpro: request timed out")
)

// APIError is a non-2xx response from UKG Pro.
type APIError struct {
	Status     int           // HTTP status code
	Endpoint   string        // endpoint name, e.g. "person-details"
	Page       int           // 1-based page, 0 when not a paged request
	RetryAfter time.Duration // from Retry-After, 0 if absent
	// Detail is the server's problem+json title/detail or message, with
	// control characters removed, secrets scrubbed and length capped. It
	// never holds request headers or URL credentials.
	Detail string
	// Permission is the web service the endpoint needs the View role on;
	// set on 403.
	Permission string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ukgpro: %s", e.Endpoint)
	if e.Page > 0 {
		fmt.Fprintf(&b, " page %d", e.Page)
	}
	fmt.Fprintf(&b, ": HTTP %d %s", e.Status, http.StatusText(e.Status))
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(": the web service account or Customer API Key was rejected; check UKG_USERNAME, UKG_PASSWORD and UKG_CUSTOMER_API_KEY")
	case http.StatusForbidden:
		fmt.Fprintf(&b, ": the service account lacks the View role on the %q web service (Service Account Administration)", e.Permission)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (Retry-After %s)", e.RetryAfter)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnauthorized/ErrForbidden/ErrNotFound) work.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// IsRetryable reports whether a request that failed with err may succeed if
// sent again unchanged. The reasoning, per class:
//
//   - 429 Too Many Requests: the tenant's rate limit; retry after
//     Retry-After or a backoff.
//   - 408 and 5xx except 501/505: the server or a proxy failed this time;
//     UKG declares 500 on most lists and it is usually transient. 501 and
//     505 describe the request itself and will not change.
//   - Other 4xx (400, 401, 403, 404): the request, the credentials or the
//     permissions are wrong; repeating cannot fix them and 401/403 storms
//     can lock a service account.
//   - A malformed or truncated 200 body: usually a cut connection or a
//     proxy hiccup; worth a few tries (the client caps these lower).
//   - Our per-request timeout, net.Error timeouts, connection resets,
//     refusals, broken pipes and unexpected EOFs: the network, not the
//     request.
//   - TLS certificate errors, malformed URLs and the caller's own
//     context cancellation or deadline: not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Status == http.StatusTooManyRequests, ae.Status == http.StatusRequestTimeout:
			return true
		case ae.Status == http.StatusNotImplemented, ae.Status == http.StatusHTTPVersionNotSupported:
			return false
		default:
			return ae.Status >= 500
		}
	}
	if errors.Is(err, ErrMalformedPage) || errors.Is(err, errTimeout) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true // dial/read/write failures below HTTP
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	return false
}

// retryReason names why err is retried, for metrics and logs.
func retryReason(err error) string {
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		return "rate_limited"
	case errors.As(err, &ae):
		return "server_error"
	case errors.Is(err, ErrMalformedPage):
		return "malformed"
	case errors.Is(err, errTimeout):
		return "timeout"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "connection"
}

// problem is the subset of UKG's error object (ukgpro-api.md §4) we read.
type problem struct {
	Title   string `json:"title"`
	Detail  string `json:"detail"`
	Message string `json:"message"`
}

const maxDetail = 300

// detailFrom extracts a short human detail from an error body, removing
// control characters and every secret in scrub.
func detailFrom(body []byte, scrub []envconf.Secret) string {
	var p problem
	var s string
	if json.Unmarshal(body, &p) == nil {
		parts := make([]string, 0, 3)
		for _, x := range []string{p.Title, p.Detail, p.Message} {
			if x = strings.TrimSpace(x); x != "" && !contains(parts, x) {
				parts = append(parts, x)
			}
		}
		s = strings.Join(parts, ": ")
	}
	// A non-JSON body (HTML from a proxy, XML) is not echoed: it is noise
	// and could carry anything.
	return sanitize(s, scrub)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// sanitize removes control characters, replaces every secret with REDACTED
// and caps the length.
func sanitize(s string, scrub []envconf.Secret) string {
	for _, sec := range scrub {
		if sec != "" {
			s = strings.ReplaceAll(s, sec.Reveal(), "REDACTED")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxDetail {
		cut := maxDetail
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
