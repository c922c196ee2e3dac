package schema

import (
	"fmt"
	"time"
)

// Config is the conversion setting a program embeds in its own config.
type Config struct {
	// TenantTimeZone is the IANA zone UKG's naive timestamps
	// (dateTimeCreated, dateTimeChanged, ...) are wall times in. UKG does not
	// document it; the default reads them as UTC. Dates are not affected.
	TenantTimeZone string `env:"UKG_TENANT_TZ" desc:"IANA zone of the tenant's naive timestamps, e.g. America/New_York; empty: UTC (extractor: date filters; loader: TIMESTAMP columns)"`
}

// Validate checks that the zone exists.
func (c Config) Validate() error {
	_, err := c.Location()
	return err
}

// Location loads TenantTimeZone, for WithLocation.
func (c Config) Location() (*time.Location, error) {
	if c.TenantTimeZone == "" || c.TenantTimeZone == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(c.TenantTimeZone)
	if err != nil {
		return nil, fmt.Errorf("UKG_TENANT_TZ=%s: want an IANA time zone such as America/Chicago", c.TenantTimeZone)
	}
	return loc, nil
}
