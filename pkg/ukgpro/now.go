package ukgpro

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// Now returns the tenant's clock. It uses the last Date header when one was
// seen in the last minute; otherwise it asks for one row of
// employee-employment-details and reads that response's Date header. The
// extractor calls it once per run, before it decides between a full and an
// incremental pass.
func (c *Client) Now(ctx context.Context) (time.Time, error) {
	c.mu.Lock()
	fresh := !c.serverDate.IsZero() && time.Since(c.dateSeenAt) < time.Minute
	c.mu.Unlock()
	if !fresh {
		ep := EmployeeEmploymentDetails
		v := url.Values{"page": {"1"}, ep.PerPageParam(): {strconv.Itoa(1)}}
		if _, err := c.fetch(ctx, ep, 1, ep.Path(), v); err != nil {
			return time.Time{}, err
		}
	}
	t, ok := c.ServerTime()
	if !ok {
		return time.Time{}, errors.New("ukgpro: the server sends no Date header; the tenant clock is unknown")
	}
	return t, nil
}
