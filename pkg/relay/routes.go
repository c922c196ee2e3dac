package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// Route sends the events it matches to one URL.
type Route struct {
	// Name labels the route in logs, metrics and dead letters; the URL never
	// appears there (webhook URLs often embed a token).
	Name string `json:"name"`
	// URL receives the CloudEvents HTTP POSTs.
	URL string `json:"url"`
	// Types are the event types matched: "employee.hired" or its full
	// ce_type "com.ukgpro.lifecycle.employee.hired"; "*" or empty: every
	// type.
	Types []string `json:"types"`
	// Companies, when set, restrict the route to these company ids.
	Companies []string `json:"companies,omitempty"`
}

// routesFile is the shape of RELAY_ROUTES_FILE.
type routesFile struct {
	Routes []Route `json:"routes"`
}

const typePrefix = "com.ukgpro.lifecycle."

// LoadRoutes builds the route table: the routes of cfg.RoutesFile, then a
// route "default" for every type to cfg.WebhookURL when set. Errors name the
// file and the route, never a URL.
func LoadRoutes(cfg Config) ([]Route, error) {
	var routes []Route
	if cfg.RoutesFile != "" {
		b, err := os.ReadFile(cfg.RoutesFile)
		if err != nil {
			return nil, fmt.Errorf("RELAY_ROUTES_FILE: %w", err)
		}
		if routes, err = ParseRoutes(b); err != nil {
			return nil, fmt.Errorf("RELAY_ROUTES_FILE %s: %w", cfg.RoutesFile, err)
		}
	}
	if cfg.WebhookURL != "" {
		if err := checkURL(cfg.WebhookURL.Reveal()); err != nil {
			return nil, fmt.Errorf("RELAY_WEBHOOK_URL: %w", err)
		}
		if slices.ContainsFunc(routes, func(r Route) bool { return r.Name == "default" }) {
			return nil, errors.New("RELAY_ROUTES_FILE: the route name default is taken by RELAY_WEBHOOK_URL")
		}
		routes = append(routes, Route{Name: "default", URL: cfg.WebhookURL.Reveal()})
	}
	if len(routes) == 0 {
		return nil, errors.New("RELAY_WEBHOOK_URL or RELAY_ROUTES_FILE is required: the relay has nowhere to send events")
	}
	return routes, nil
}

// ParseRoutes reads a routes file: {"routes": [{"name", "url", "types",
// "companies"}, ...]}. Unknown fields are an error (a misspelt "companies"
// would otherwise widen a route silently).
func ParseRoutes(b []byte) ([]Route, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f routesFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(f.Routes) == 0 {
		return nil, errors.New("no routes")
	}
	seen := map[string]bool{}
	for i := range f.Routes {
		r := &f.Routes[i]
		if r.Name = strings.TrimSpace(r.Name); r.Name == "" {
			return nil, fmt.Errorf("route %d has no name", i+1)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("route name %q is used twice", r.Name)
		}
		seen[r.Name] = true
		if err := checkURL(r.URL); err != nil {
			return nil, fmt.Errorf("route %s: url: %w", r.Name, err)
		}
		for j, t := range r.Types {
			t = strings.TrimPrefix(strings.TrimSpace(t), typePrefix)
			if t == "" {
				return nil, fmt.Errorf("route %s: an empty event type", r.Name)
			}
			r.Types[j] = t
		}
		for j, c := range r.Companies {
			if r.Companies[j] = strings.ToUpper(strings.TrimSpace(c)); r.Companies[j] == "" {
				return nil, fmt.Errorf("route %s: an empty company id", r.Name)
			}
		}
	}
	return f.Routes, nil
}

// Matches reports whether the route takes an event of type typ (short or
// full ce_type) of company.
func (r *Route) Matches(typ, company string) bool {
	typ = strings.TrimPrefix(typ, typePrefix)
	if len(r.Types) > 0 && !slices.Contains(r.Types, "*") && !slices.Contains(r.Types, typ) {
		return false
	}
	return len(r.Companies) == 0 || slices.Contains(r.Companies, strings.ToUpper(company))
}

// checkURL accepts an absolute http(s) URL with a host. Its errors never
// quote the URL.
func checkURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errors.New("not an absolute http:// or https:// URL")
	}
	return nil
}
