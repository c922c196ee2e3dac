package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Check sends GET rawURL and returns nil when the answer is 2xx. Otherwise
// the error names the URL and the status, with the first line of the body
// (the programs' /readyz says why they are not ready). rawURL must be an
// absolute http URL; https is refused because the probe only ever talks to
// its own container on loopback.
func Check(ctx context.Context, client *http.Client, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("probe %q: want an absolute http:// URL", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", u, err)
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 == 2 {
		return nil
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return errors.New("probe " + u.String() + ": " + res.Status + ": " + line)
}
