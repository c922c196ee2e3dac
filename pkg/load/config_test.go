package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
)

func TestConfigDefaultsAndValidate(t *testing.T) {
	var def Config
	if err := envconf.Parse(context.Background(), "loader", &def, nil, envconfig.MapLookuper(nil)); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if def.GroupID != "ukgpro-loader" || def.RotateInterval != 24*time.Hour || def.FlushInterval != time.Minute || def.Drain {
		t.Fatalf("defaults: %+v", def)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string // substring of the error; "" = valid
	}{
		{env: map[string]string{"LOADER_TOPICS": "employees,dlq"}},
		{args: []string{"--drain"}},
		{env: map[string]string{"LOADER_TOPICS": "ukgpro.employees"}, want: `LOADER_TOPICS: "ukgpro.employees" is not a topic of the contract; valid names (without KAFKA_TOPIC_PREFIX): employees,people,job-history,compensation,lifecycle,dlq,companies,org-levels,jobs,locations,positions,contacts,pto-plans,direct-deposit,global-banks,contracts`},
		{env: map[string]string{"LOADER_TOPICS": "employees,employes"}, want: `"employes" is not a topic`},
		{env: map[string]string{"LOADER_ROTATE_ROWS": "0"}, want: "LOADER_ROTATE_ROWS"},
		{env: map[string]string{"LOADER_ROTATE_BYTES": "-1"}, want: "LOADER_ROTATE_BYTES"},
		{env: map[string]string{"LOADER_FLUSH_INTERVAL": "0s"}, want: "LOADER_FLUSH_INTERVAL"},
		{env: map[string]string{"LOADER_SESSION_TIMEOUT": "500ms"}, want: "LOADER_SESSION_TIMEOUT"},
		{env: map[string]string{"LOADER_HEARTBEAT_INTERVAL": "40s"}, want: "LOADER_HEARTBEAT_INTERVAL"},
		{env: map[string]string{"LOADER_GROUP_ID": " "}, want: "LOADER_GROUP_ID"},
		{env: map[string]string{"LOADER_ROTATE_INTERVAL": "soon"}, want: "LOADER_ROTATE_INTERVAL"},
	} {
		var c Config
		err := envconf.Parse(context.Background(), "loader", &c, tc.args, envconfig.MapLookuper(tc.env))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v %v: %v", tc.env, tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
}
