package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// overlays are the overlays as shipped and with the optional relay
// component added.
var overlays = []string{"dev", "prod", "dev+relay", "prod+relay"}

// Strimzi and Prometheus Operator resources: Go types of the fields we use,
// so strict decoding rejects anything else (a typo is an unknown field).
type typeMeta struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
}

type kafkaTopic struct {
	typeMeta `json:",inline"`
	Spec     struct {
		TopicName  string            `json:"topicName"`
		Partitions int               `json:"partitions"`
		Replicas   int               `json:"replicas"`
		Config     map[string]string `json:"config"`
	} `json:"spec"`
}

type kafkaACL struct {
	Resource struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		PatternType string `json:"patternType"`
	} `json:"resource"`
	Operations []string `json:"operations"`
}

type kafkaUser struct {
	typeMeta `json:",inline"`
	Spec     struct {
		Authentication struct {
			Type string `json:"type"`
		} `json:"authentication"`
		Authorization struct {
			Type string     `json:"type"`
			ACLs []kafkaACL `json:"acls"`
		} `json:"authorization"`
	} `json:"spec"`
}

type kafkaCluster struct {
	typeMeta `json:",inline"`
	Spec     struct {
		Kafka struct {
			Listeners []struct {
				Name           string `json:"name"`
				Port           int    `json:"port"`
				Type           string `json:"type"`
				TLS            bool   `json:"tls"`
				Authentication *struct {
					Type string `json:"type"`
				} `json:"authentication"`
			} `json:"listeners"`
			Authorization *struct {
				Type string `json:"type"`
			} `json:"authorization"`
			Config map[string]any `json:"config"`
		} `json:"kafka"`
		EntityOperator struct {
			TopicOperator *struct{} `json:"topicOperator"`
			UserOperator  *struct{} `json:"userOperator"`
		} `json:"entityOperator"`
	} `json:"spec"`
}

type kafkaNodePool struct {
	typeMeta `json:",inline"`
	Spec     struct {
		Replicas int      `json:"replicas"`
		Roles    []string `json:"roles"`
		Storage  struct {
			Type    string `json:"type"`
			Volumes []struct {
				ID            int    `json:"id"`
				Type          string `json:"type"`
				Size          string `json:"size"`
				DeleteClaim   bool   `json:"deleteClaim"`
				KRaftMetadata string `json:"kraftMetadata"`
			} `json:"volumes"`
		} `json:"storage"`
	} `json:"spec"`
}

type serviceMonitor struct {
	typeMeta `json:",inline"`
	Spec     struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// kinds maps apiVersion/kind to a new value of its Go type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/PersistentVolumeClaim":                func() any { return &corev1.PersistentVolumeClaim{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"batch/v1/CronJob":                        func() any { return &batchv1.CronJob{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"kafka.strimzi.io/v1beta2/KafkaTopic":     func() any { return &kafkaTopic{} },
	"kafka.strimzi.io/v1beta2/KafkaUser":      func() any { return &kafkaUser{} },
	"kafka.strimzi.io/v1beta2/Kafka":          func() any { return &kafkaCluster{} },
	"kafka.strimzi.io/v1beta2/KafkaNodePool":  func() any { return &kafkaNodePool{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &serviceMonitor{} },
}

// objects is one built overlay, decoded.
type objects struct {
	name  string
	all   []any
	byKey map[string]any // Kind/name
}

func (o *objects) get(kind, name string) any { return o.byKey[kind+"/"+name] }

func of[T any](o *objects) []*T {
	var out []*T
	for _, x := range o.all {
		if v, ok := x.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

// decodeStrict decodes JSON into v, rejecting unknown fields.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// build runs kustomize on an overlay (as `kubectl apply -k` would, without
// a cluster) and decodes every object strictly into its type.
func build(t *testing.T, overlay string) *objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	fs, dir := filesys.MakeFsOnDisk(), filepath.Join("k8s", "overlays", overlay)
	if name, comp, ok := strings.Cut(overlay, "+"); ok {
		fs, dir = withComponent(t, name, comp)
	}
	rm, err := k.Run(fs, dir)
	if err != nil {
		t.Fatalf("kustomize build k8s/overlays/%s: %v", overlay, err)
	}
	o := &objects{name: overlay, byKey: map[string]any{}}
	for _, r := range rm.Resources() {
		gvk := r.GetGvk()
		key := gvk.Kind
		if gvk.Group != "" {
			key = gvk.Group + "/" + gvk.Version + "/" + key
		} else {
			key = gvk.Version + "/" + key
		}
		newT, ok := kinds[key]
		if !ok {
			t.Errorf("%s: %s %s: no Go type to check it against (add one to kinds)", overlay, key, r.GetName())
			continue
		}
		raw, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		v := newT()
		if err := decodeStrict(raw, v); err != nil {
			t.Errorf("%s: %s %s does not decode strictly: %v", overlay, key, r.GetName(), err)
			continue
		}
		o.all = append(o.all, v)
		o.byKey[gvk.Kind+"/"+r.GetName()] = v
	}
	return o
}

// withComponent does in memory what a user who enables a component does:
// it adds `components: [../../components/<comp>]` to the overlay's
// kustomization.yaml. It returns the file system and the overlay's path.
func withComponent(t *testing.T, overlay, comp string) (filesys.FileSystem, string) {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	err := filepath.WalkDir("k8s", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return fs.WriteFile("/"+filepath.ToSlash(p), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	kpath := "/k8s/overlays/" + overlay + "/kustomization.yaml"
	raw, err := fs.ReadFile(kpath)
	if err != nil {
		t.Fatal(err)
	}
	var k map[string]any
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	comps, _ := k["components"].([]any)
	k["components"] = append(comps, "../../components/"+comp)
	if raw, err = yaml.Marshal(k); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteFile(kpath, raw); err != nil {
		t.Fatal(err)
	}
	return fs, "/k8s/overlays/" + overlay
}

func TestOverlaysBuildAndDecodeStrictly(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			for _, x := range o.all {
				checkNames(t, ov, x)
			}
		})
	}
}

func errsIf(t *testing.T, where string, errs []string) {
	t.Helper()
	for _, e := range errs {
		t.Errorf("%s: %s", where, e)
	}
}

// checkNames applies Kubernetes' naming rules to an object's name, labels
// and the names inside it that the API server validates.
func checkNames(t *testing.T, ov string, x any) {
	t.Helper()
	raw, _ := json.Marshal(x)
	var tm typeMeta
	_ = json.Unmarshal(raw, &tm)
	where := fmt.Sprintf("%s: %s %s", ov, tm.Kind, tm.Metadata.Name)
	switch tm.Kind {
	case "Service":
		errsIf(t, where+" name", validation.IsDNS1035Label(tm.Metadata.Name))
	case "CronJob":
		errsIf(t, where+" name", validation.IsDNS1123Subdomain(tm.Metadata.Name))
		if len(tm.Metadata.Name) > 52 { // its Jobs append 11 characters
			t.Errorf("%s: a CronJob name has at most 52 characters", where)
		}
	default:
		errsIf(t, where+" name", validation.IsDNS1123Subdomain(tm.Metadata.Name))
	}
	if tm.Metadata.Namespace != "" {
		errsIf(t, where+" namespace", validation.IsDNS1123Label(tm.Metadata.Namespace))
	}
	checkLabels := func(what string, m map[string]string) {
		for k, v := range m {
			errsIf(t, where+" "+what+" key "+k, validation.IsQualifiedName(k))
			errsIf(t, where+" "+what+" value "+v, validation.IsValidLabelValue(v))
		}
	}
	checkLabels("label", tm.Metadata.Labels)
	for k := range tm.Metadata.Annotations {
		errsIf(t, where+" annotation "+k, validation.IsQualifiedName(k))
	}
	switch v := x.(type) {
	case *corev1.ConfigMap:
		for k := range v.Data {
			errsIf(t, where+" key "+k, validation.IsConfigMapKey(k))
		}
	case *corev1.Secret:
		for k := range v.Data {
			errsIf(t, where+" key "+k, validation.IsConfigMapKey(k))
		}
	case *corev1.Service:
		for _, p := range v.Spec.Ports {
			errsIf(t, where+" port "+p.Name, validation.IsValidPortName(p.Name))
		}
	case *kafkaTopic:
		if !regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`).MatchString(v.Spec.TopicName) {
			t.Errorf("%s: spec.topicName %q is not a Kafka topic name", where, v.Spec.TopicName)
		}
	}
	if spec := podSpecOf(x); spec != nil {
		checkLabels("pod label", podLabelsOf(x))
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			errsIf(t, where+" container "+c.Name, validation.IsDNS1123Label(c.Name))
			for _, p := range c.Ports {
				if p.Name != "" {
					errsIf(t, where+" port "+p.Name, validation.IsValidPortName(p.Name))
				}
			}
			for _, e := range c.Env {
				errsIf(t, where+" env "+e.Name, validation.IsEnvVarName(e.Name))
			}
		}
		for _, vol := range spec.Volumes {
			errsIf(t, where+" volume "+vol.Name, validation.IsDNS1123Label(vol.Name))
		}
	}
}

func podSpecOf(x any) *corev1.PodSpec {
	switch v := x.(type) {
	case *appsv1.Deployment:
		return &v.Spec.Template.Spec
	case *batchv1.CronJob:
		return &v.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil
}

func podLabelsOf(x any) map[string]string {
	switch v := x.(type) {
	case *appsv1.Deployment:
		return v.Spec.Template.Labels
	case *batchv1.CronJob:
		return v.Spec.JobTemplate.Spec.Template.Labels
	}
	return nil
}

// workload is one container of ours in an overlay with the environment it
// gets (ConfigMaps and Secrets resolved) and the program it runs.
type workload struct {
	where string
	obj   any
	spec  *corev1.PodSpec
	c     corev1.Container
	bin   string
	env   map[string]string
}

// secretKeys are the keys of a Secret the pods reference: from the overlay
// when it has the Secret, else from the templates in k8s/secrets/, else
// (Strimzi makes it) `password` for a KafkaUser of that name.
func secretKeys(t *testing.T, o *objects, name string) ([]string, bool) {
	t.Helper()
	if s, ok := o.get("Secret", name).(*corev1.Secret); ok {
		return slices.Collect(keysOf(s.Data, s.StringData)), true
	}
	for _, s := range secretTemplates(t) {
		if s.Name == name {
			return slices.Collect(keysOf(s.Data, s.StringData)), true
		}
	}
	if _, ok := o.get("KafkaUser", name).(*kafkaUser); ok {
		return []string{"password"}, true
	}
	return nil, false
}

func keysOf[V any](a map[string]V, b map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if !yield(k) {
				return
			}
		}
	}
}

// secretTemplates decodes k8s/secrets/*.yaml strictly.
func secretTemplates(t *testing.T) []*corev1.Secret {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("k8s", "secrets", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no Secret templates in k8s/secrets/")
	}
	var out []*corev1.Secret
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---\n") {
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var s corev1.Secret
			if err := decodeStrict(j, &s); err != nil {
				t.Fatalf("%s does not decode strictly as a Secret: %v", f, err)
			}
			out = append(out, &s)
		}
	}
	return out
}

// workloads lists every container of ours in an overlay, mapping its image
// to a program through the release workflow's images and the Dockerfile's
// targets, and resolves its environment.
func workloads(t *testing.T, o *objects) []workload {
	t.Helper()
	images, targets := releaseImages(t), imageTargets(t)
	var out []workload
	for _, x := range o.all {
		spec := podSpecOf(x)
		if spec == nil {
			continue
		}
		raw, _ := json.Marshal(x)
		var tm typeMeta
		_ = json.Unmarshal(raw, &tm)
		for _, c := range spec.Containers {
			where := fmt.Sprintf("%s: %s %s container %s", o.name, tm.Kind, tm.Metadata.Name, c.Name)
			ref := c.Image
			if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
				ref = ref[:i]
			}
			target, ok := images[path.Base(ref)]
			if !ok {
				t.Errorf("%s runs %s, an image the release workflow does not publish", where, c.Image)
				continue
			}
			if !strings.HasPrefix(c.Image, "ghcr.io/ukgpro-stream/") || !strings.Contains(c.Image[len(ref):], ":") {
				t.Errorf("%s: image %s is not a tagged ghcr.io/ukgpro-stream image", where, c.Image)
			}
			w := workload{where: where, obj: x, spec: spec, c: c, bin: targets[target], env: map[string]string{}}
			for _, ef := range c.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil:
					cm, ok := o.get("ConfigMap", ef.ConfigMapRef.Name).(*corev1.ConfigMap)
					if !ok {
						t.Errorf("%s: envFrom ConfigMap %s is not in the overlay", where, ef.ConfigMapRef.Name)
						continue
					}
					for k, v := range cm.Data {
						w.env[k] = v
					}
				case ef.SecretRef != nil:
					keys, ok := secretKeys(t, o, ef.SecretRef.Name)
					if !ok {
						t.Errorf("%s: envFrom Secret %s is neither in the overlay nor a template in k8s/secrets/", where, ef.SecretRef.Name)
					}
					for _, k := range keys {
						w.env[k] = "(secret " + ef.SecretRef.Name + ")"
					}
				}
			}
			for _, e := range c.Env {
				switch {
				case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
					ref := e.ValueFrom.SecretKeyRef
					keys, ok := secretKeys(t, o, ref.Name)
					if !ok || !slices.Contains(keys, ref.Key) {
						t.Errorf("%s: %s comes from Secret %s key %s, which nothing provides", where, e.Name, ref.Name, ref.Key)
					}
					w.env[e.Name] = "(secret " + ref.Name + ")"
				case e.ValueFrom != nil:
					w.env[e.Name] = "(from the pod)"
				default:
					w.env[e.Name] = e.Value
				}
			}
			out = append(out, w)
		}
	}
	return out
}

func TestManifestEnvironmentMatchesThePrograms(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			ws := workloads(t, o)
			seen := map[string]bool{}
			for _, w := range ws {
				checkEnv(t, w.where, w.bin, w.env)
				seen[w.bin] = true
			}
			for _, want := range []string{"extractor", "loader"} {
				if !seen[want] {
					t.Errorf("%s runs no %s", ov, want)
				}
			}
		})
	}
}

// cluster is the Strimzi cluster every Strimzi resource of the overlay
// names in its strimzi.io/cluster label (one for all).
func cluster(t *testing.T, o *objects) string {
	t.Helper()
	names := map[string]bool{}
	for _, x := range o.all {
		raw, _ := json.Marshal(x)
		var tm typeMeta
		_ = json.Unmarshal(raw, &tm)
		if strings.HasPrefix(tm.APIVersion, "kafka.strimzi.io/") && tm.Kind != "Kafka" {
			names[tm.Metadata.Labels["strimzi.io/cluster"]] = true
		}
	}
	if len(names) != 1 || names[""] {
		t.Fatalf("%s: the Strimzi resources name clusters %v, want exactly one", o.name, slices.Collect(func(y func(string) bool) {
			for k := range names {
				y(k)
			}
		}))
	}
	for k := range names {
		return k
	}
	return ""
}

// TestKafkaConnection: every program connects to the Strimzi cluster's TLS
// bootstrap with its cluster CA mounted and its own SCRAM user.
func TestKafkaConnection(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			cl := cluster(t, o)
			for _, w := range workloads(t, o) {
				if w.bin == "ukgpro-sim" {
					continue
				}
				host, port, err := net.SplitHostPort(w.env["KAFKA_BROKERS"])
				if err != nil || host != cl+"-kafka-bootstrap" {
					t.Errorf("%s: KAFKA_BROKERS=%s is not the bootstrap Service of cluster %s", w.where, w.env["KAFKA_BROKERS"], cl)
				}
				if w.env["KAFKA_TLS"] != "true" {
					t.Errorf("%s: KAFKA_TLS is not true", w.where)
				}
				ca := w.env["KAFKA_TLS_CA_FILE"]
				mounted := false
				for _, m := range w.c.VolumeMounts {
					for _, v := range w.spec.Volumes {
						if v.Name != m.Name || v.Secret == nil || v.Secret.SecretName != cl+"-cluster-ca-cert" {
							continue
						}
						for _, it := range v.Secret.Items {
							if it.Key == "ca.crt" && path.Join(m.MountPath, it.Path) == ca {
								mounted = true
							}
						}
					}
				}
				if !mounted {
					t.Errorf("%s: KAFKA_TLS_CA_FILE=%s is not key ca.crt of Secret %s-cluster-ca-cert mounted there", w.where, ca, cl)
				}
				user := w.env["KAFKA_SASL_USERNAME"]
				ku, ok := o.get("KafkaUser", user).(*kafkaUser)
				if !ok {
					t.Errorf("%s: KAFKA_SASL_USERNAME=%s is no KafkaUser", w.where, user)
					continue
				}
				if !strings.EqualFold(ku.Spec.Authentication.Type, w.env["KAFKA_SASL_MECHANISM"]) {
					t.Errorf("%s: KafkaUser %s authenticates with %s, the program with KAFKA_SASL_MECHANISM=%s", w.where, user, ku.Spec.Authentication.Type, w.env["KAFKA_SASL_MECHANISM"])
				}
				if w.env["KAFKA_SASL_PASSWORD"] != "(secret "+user+")" {
					t.Errorf("%s: KAFKA_SASL_PASSWORD does not come from Secret %s (which Strimzi creates for the user)", w.where, user)
				}
				if k, ok := o.get("Kafka", cl).(*kafkaCluster); ok { // dev: the cluster is ours
					found := false
					for _, l := range k.Spec.Kafka.Listeners {
						if strconv.Itoa(l.Port) == port && l.TLS && l.Authentication != nil && strings.EqualFold(l.Authentication.Type, w.env["KAFKA_SASL_MECHANISM"]) {
							found = true
						}
					}
					if !found {
						t.Errorf("%s: Kafka %s has no TLS listener on %s with %s", w.where, cl, port, w.env["KAFKA_SASL_MECHANISM"])
					}
				}
			}
		})
	}
}

// programTopics are the topics the overlay's programs created in the
// pipeline run, under the prefix the ConfigMap sets.
func programTopics(t *testing.T, o *objects, prefix string) map[string]topicInfo {
	t.Helper()
	runs := map[string]bool{}
	for _, w := range workloads(t, o) {
		runs[w.bin] = true
	}
	out := map[string]topicInfo{}
	for name, ti := range pipeline(t).topics {
		if strings.HasPrefix(name, "ukgpro.") && runs[ti.createdBy] {
			out[prefix+strings.TrimPrefix(name, "ukgpro.")] = ti
		}
	}
	return out
}

// TestKafkaTopicsAreTheProgramsTopics: one KafkaTopic for every topic the
// programs create (learned by running them), each with the partitions,
// cleanup policy, retention and compaction lag they create it with, and
// the replication the ConfigMap tells them to use.
func TestKafkaTopicsAreTheProgramsTopics(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			kcm, _ := o.get("ConfigMap", "ukgpro-kafka").(*corev1.ConfigMap)
			if kcm == nil {
				t.Fatal("no ConfigMap ukgpro-kafka")
			}
			vars := programVars(t, "extractor")
			setting := func(name string) string {
				if v, ok := kcm.Data[name]; ok {
					return v
				}
				return vars[name].Default
			}
			// The pipeline ran with the defaults: the overlay must not
			// change what shapes a topic, or this test compares nothing.
			for _, name := range []string{"KAFKA_TOPIC_PREFIX", "KAFKA_PARTITIONS", "KAFKA_RETENTION", "KAFKA_DLQ_RETENTION", "KAFKA_MIN_COMPACTION_LAG"} {
				if v, ok := kcm.Data[name]; ok && v != vars[name].Default {
					t.Errorf("ConfigMap ukgpro-kafka sets %s=%s; this test checks the topics against the default %s", name, v, vars[name].Default)
				}
			}
			want := programTopics(t, o, setting("KAFKA_TOPIC_PREFIX"))
			got := map[string]*kafkaTopic{}
			for _, kt := range of[kafkaTopic](o) {
				if got[kt.Spec.TopicName] != nil {
					t.Errorf("two KafkaTopics for %s", kt.Spec.TopicName)
				}
				got[kt.Spec.TopicName] = kt
			}
			for name, ti := range want {
				kt := got[name]
				if kt == nil {
					t.Errorf("the programs create topic %s, which has no KafkaTopic; add to k8s/base/topics.yaml:\n%s", name, topicYAML(name, ti))
					continue
				}
				if kt.Spec.Partitions != ti.partitions {
					t.Errorf("KafkaTopic %s: %d partitions, the programs create %d (KAFKA_PARTITIONS)", kt.Metadata.Name, kt.Spec.Partitions, ti.partitions)
				}
				for _, k := range []string{"cleanup.policy", "retention.ms", "min.compaction.lag.ms"} {
					if kt.Spec.Config[k] != ti.config[k] {
						t.Errorf("KafkaTopic %s: %s=%q, the programs create %q", kt.Metadata.Name, k, kt.Spec.Config[k], ti.config[k])
					}
				}
				if strconv.Itoa(kt.Spec.Replicas) != setting("KAFKA_REPLICATION_FACTOR") {
					t.Errorf("KafkaTopic %s: %d replicas, KAFKA_REPLICATION_FACTOR=%s", kt.Metadata.Name, kt.Spec.Replicas, setting("KAFKA_REPLICATION_FACTOR"))
				}
				if mir := setting("KAFKA_MIN_INSYNC_REPLICAS"); mir != "0" && kt.Spec.Config["min.insync.replicas"] != mir {
					t.Errorf("KafkaTopic %s: min.insync.replicas=%q, KAFKA_MIN_INSYNC_REPLICAS=%s", kt.Metadata.Name, kt.Spec.Config["min.insync.replicas"], mir)
				}
				if kt.Spec.TopicName == "" {
					t.Errorf("KafkaTopic %s has no spec.topicName", kt.Metadata.Name)
				}
			}
			for name, kt := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("KafkaTopic %s (%s) is a topic the programs never create", kt.Metadata.Name, name)
				}
			}
		})
	}
}

func topicYAML(name string, ti topicInfo) string {
	var cfg strings.Builder
	for _, k := range []string{"cleanup.policy", "retention.ms", "min.compaction.lag.ms"} {
		if v, ok := ti.config[k]; ok {
			fmt.Fprintf(&cfg, "    %s: %q\n", k, v)
		}
	}
	cfg.WriteString("    min.insync.replicas: \"2\"\n")
	rname := "ukgpro-" + strings.TrimLeft(strings.TrimPrefix(name, "ukgpro."), "_")
	return fmt.Sprintf("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: %s\n  labels: {strimzi.io/cluster: kafka}\nspec:\n  topicName: %s\n  partitions: %d\n  replicas: 3\n  config:\n%s",
		rname, name, ti.partitions, cfg.String())
}

// allows reports whether the ACLs grant op on a topic or group.
func allows(acls []kafkaACL, typ, name, op string) bool {
	for _, a := range acls {
		if a.Resource.Type != typ || !slices.Contains(a.Operations, op) && !slices.Contains(a.Operations, "All") {
			continue
		}
		switch a.Resource.PatternType {
		case "prefix":
			if strings.HasPrefix(name, a.Resource.Name) {
				return true
			}
		case "literal", "":
			if a.Resource.Name == name || a.Resource.Name == "*" {
				return true
			}
		}
	}
	return false
}

// TestKafkaUsersHoldOnlyWhatEachProgramNeeds: the extractor may describe,
// read, write and create its topics and nothing else; the loader may read
// the topics it archives, join its group and write dead letters only.
func TestKafkaUsersHoldOnlyWhatEachProgramNeeds(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			kcm := o.get("ConfigMap", "ukgpro-kafka").(*corev1.ConfigMap)
			prefix := kcm.Data["KAFKA_TOPIC_PREFIX"]
			topics := slices.Sorted(func(y func(string) bool) {
				for k := range programTopics(t, o, prefix) {
					if !y(k) {
						return
					}
				}
			})
			for _, w := range workloads(t, o) {
				ku, ok := o.get("KafkaUser", w.env["KAFKA_SASL_USERNAME"]).(*kafkaUser)
				if !ok {
					continue // TestKafkaConnection reports it
				}
				acls := ku.Spec.Authorization.ACLs
				if ku.Spec.Authorization.Type != "simple" {
					t.Errorf("KafkaUser %s: authorization %q, want simple ACLs", ku.Metadata.Name, ku.Spec.Authorization.Type)
				}
				var need, forbid [][3]string // type, name, operation
				switch w.bin {
				case "extractor":
					for _, tp := range topics {
						for _, op := range []string{"Describe", "Read", "Write", "Create"} {
							need = append(need, [3]string{"topic", tp, op})
						}
					}
					forbid = append(forbid, [3]string{"group", "ukgpro-loader", "Read"})
				case "ukgpro-relay":
					group := w.env["RELAY_GROUP_ID"]
					if group == "" {
						group = programVars(t, "ukgpro-relay")["RELAY_GROUP_ID"].Default
					}
					need = append(need, [3]string{"group", group, "Read"}, [3]string{"topic", prefix + "relay-dlq", "Write"},
						[3]string{"topic", prefix + "lifecycle", "Read"}, [3]string{"topic", prefix + "lifecycle", "Describe"})
					for _, tp := range topics {
						if tp != prefix+"lifecycle" {
							forbid = append(forbid, [3]string{"topic", tp, "Read"})
						}
						if tp != prefix+"relay-dlq" {
							forbid = append(forbid, [3]string{"topic", tp, "Write"})
						}
					}
				case "loader":
					group := w.env["LOADER_GROUP_ID"]
					if group == "" {
						group = programVars(t, "loader")["LOADER_GROUP_ID"].Default
					}
					need = append(need, [3]string{"group", group, "Read"}, [3]string{"topic", prefix + "dlq", "Write"})
					consumed := loaderTopics(t, prefix)
					for _, tp := range topics {
						if !consumed[tp] {
							forbid = append(forbid, [3]string{"topic", tp, "Read"})
						} else {
							need = append(need, [3]string{"topic", tp, "Read"}, [3]string{"topic", tp, "Describe"})
						}
						if tp != prefix+"dlq" {
							forbid = append(forbid, [3]string{"topic", tp, "Write"})
						}
					}
				}
				for _, n := range need {
					if !allows(acls, n[0], n[1], n[2]) {
						t.Errorf("KafkaUser %s (%s) may not %s %s %s", ku.Metadata.Name, w.bin, n[2], n[0], n[1])
					}
				}
				for _, f := range forbid {
					if allows(acls, f[0], f[1], f[2]) {
						t.Errorf("KafkaUser %s (%s) may %s %s %s, which it does not need", ku.Metadata.Name, w.bin, f[2], f[0], f[1])
					}
				}
				for _, a := range acls {
					for _, op := range a.Operations {
						if slices.Contains([]string{"All", "Alter", "AlterConfigs", "Delete", "ClusterAction", "IdempotentWrite"}, op) {
							t.Errorf("KafkaUser %s may %s %s %s", ku.Metadata.Name, op, a.Resource.Type, a.Resource.Name)
						}
					}
				}
			}
		})
	}
}

// loaderTopics are the topics the loader consumed in the pipeline run (its
// consumer-lag series), under prefix.
func loaderTopics(t *testing.T, prefix string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range pipeline(t).metrics["ukgpro_loader_consumer_lag"].GetMetric() {
		out[prefix+strings.TrimPrefix(label(m, "topic"), "ukgpro.")] = true
	}
	if len(out) == 0 {
		t.Fatal("the loader reported no consumer lag")
	}
	return out
}

func memory(t *testing.T, where, s string) int64 {
	t.Helper()
	if strings.HasSuffix(s, "MiB") || strings.HasSuffix(s, "GiB") { // GOMEMLIMIT's units
		s = strings.TrimSuffix(s, "B")
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		t.Errorf("%s: %q is not a quantity", where, s)
	}
	return q.Value()
}

// TestWorkloads: how each program runs — the extractor as a CronJob that
// never overlaps itself, the loader as a Deployment no wider than its
// partitions with a disruption budget, probes on its ops port, time to
// flush on SIGTERM and memory settings that agree; all non-root, all
// scraped, all behind a NetworkPolicy.
func TestWorkloads(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			o := build(t, ov)
			sas := map[string]bool{}
			for _, sa := range of[corev1.ServiceAccount](o) {
				sas[sa.Name] = true
			}
			partitions := 1 << 30
			for _, kt := range of[kafkaTopic](o) {
				partitions = min(partitions, kt.Spec.Partitions)
			}
			for _, w := range workloads(t, o) {
				if w.spec.ServiceAccountName == "" || !sas[w.spec.ServiceAccountName] {
					t.Errorf("%s: ServiceAccount %q is not in the overlay", w.where, w.spec.ServiceAccountName)
				}
				sc := w.spec.SecurityContext
				if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
					t.Errorf("%s: the pod does not require runAsNonRoot", w.where)
				}
				if c := w.c.SecurityContext; c == nil || c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem ||
					c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
					t.Errorf("%s: want a read-only root filesystem and no privilege escalation", w.where)
				}
				// Go's os.TempDir: the loader spools unpublished rows there.
				if c := w.c.SecurityContext; c != nil && c.ReadOnlyRootFilesystem != nil && *c.ReadOnlyRootFilesystem {
					tmp := false
					for _, m := range w.c.VolumeMounts {
						tmp = tmp || m.MountPath == "/tmp" && !m.ReadOnly
					}
					if !tmp {
						t.Errorf("%s: the root filesystem is read-only and nothing writable is mounted at /tmp ($TMPDIR)", w.where)
					}
				}
				lim, req := w.c.Resources.Limits.Memory(), w.c.Resources.Requests.Memory()
				if lim.IsZero() || req.IsZero() || req.Cmp(*lim) > 0 {
					t.Errorf("%s: memory request %s and limit %s: want both, request <= limit", w.where, req, lim)
				}
				if gml, ok := w.env["GOMEMLIMIT"]; ok && memory(t, w.where, gml) >= lim.Value() {
					t.Errorf("%s: GOMEMLIMIT=%s is not below the memory limit %s", w.where, gml, lim)
				}
				// The loader's budget is its soft limit plus ~20 MiB of
				// program: it must fit under the container's limit.
				if b, ok := w.env["LOADER_MEMORY_BYTES"]; ok {
					if n, err := strconv.ParseInt(b, 10, 64); err != nil || n+32<<20 > lim.Value() {
						t.Errorf("%s: LOADER_MEMORY_BYTES=%s does not leave 32 MiB below the memory limit %s", w.where, b, lim)
					}
				}
				if w.bin == "ukgpro-sim" {
					continue
				}
				port := opsPort(t, w.where, w.bin, w.env)
				named := ""
				for _, p := range w.c.Ports {
					if strconv.Itoa(int(p.ContainerPort)) == port {
						named = p.Name
					}
				}
				if named == "" {
					t.Errorf("%s: no container port %s (OPS_ADDR)", w.where, port)
				}
				checkScraped(t, o, w, named)
				checkNetworkPolicy(t, o, w, named)

				switch x := w.obj.(type) {
				case *batchv1.CronJob:
					if x.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
						t.Errorf("%s: concurrencyPolicy %q, want Forbid (two runs would both publish and checkpoint)", w.where, x.Spec.ConcurrencyPolicy)
					}
					if !slices.Contains(w.c.Args, "--once") {
						t.Errorf("%s: a CronJob's extractor runs --once", w.where)
					}
					// The pod ends with the run: it must outlive two scrapes.
					linger, _ := time.ParseDuration(w.env["EXTRACTOR_METRICS_LINGER"])
					for _, sm := range of[serviceMonitor](o) {
						for _, ep := range sm.Spec.Endpoints {
							if iv, err := time.ParseDuration(ep.Interval); err == nil && linger < 2*iv {
								t.Errorf("%s: EXTRACTOR_METRICS_LINGER=%s is shorter than two scrape intervals (%s): the run's final values may never be scraped", w.where, linger, iv)
							}
						}
					}
				case *appsv1.Deployment:
					if _, ok := graceNeeds[w.bin]; !ok {
						continue
					}
					if x.Spec.Replicas == nil || int(*x.Spec.Replicas) > partitions {
						t.Errorf("%s: %v replicas for %d partitions: the extra members would sit idle", w.where, x.Spec.Replicas, partitions)
					}
					checkShutdownAndProbes(t, w, named)
					pdb := false
					for _, b := range of[policyv1.PodDisruptionBudget](o) {
						sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
						if err == nil && sel.Matches(labels.Set(x.Spec.Template.Labels)) {
							pdb = true
						}
					}
					if !pdb {
						t.Errorf("%s: no PodDisruptionBudget selects its pods", w.where)
					}
				default:
					t.Errorf("%s: the %s runs as a %T", w.where, w.bin, w.obj)
				}
			}
		})
	}
}

// graceNeeds are, per consumer-group program, the deadlines of what it does
// after SIGTERM, plus room for the work they bound: the loader flushes every
// open file, commits and may retry a dead letter; the relay lets calls in
// flight finish, then commits.
var graceNeeds = map[string]struct {
	vars  []string
	extra time.Duration
}{
	"loader":       {[]string{"LOADER_COMMIT_TIMEOUT", "LOADER_DLQ_TIMEOUT"}, 30 * time.Second},
	"ukgpro-relay": {[]string{"RELAY_SHUTDOWN_GRACE", "RELAY_COMMIT_TIMEOUT"}, 5 * time.Second},
}

func checkShutdownAndProbes(t *testing.T, w workload, port string) {
	t.Helper()
	vars := programVars(t, w.bin)
	need := graceNeeds[w.bin].extra
	for _, name := range graceNeeds[w.bin].vars {
		v, ok := w.env[name]
		if !ok {
			v = vars[name].Default
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Errorf("%s: %s=%q", w.where, name, v)
		}
		need += d
	}
	if g := w.spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < need {
		t.Errorf("%s: terminationGracePeriodSeconds %v is shorter than its shutdown (%s)", w.where, w.spec.TerminationGracePeriodSeconds, need)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", w.c.ReadinessProbe, "/readyz"}, {"liveness", w.c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != port {
			t.Errorf("%s: want a %s probe GET %s on port %s", w.where, p.name, p.path, port)
		}
	}
}

// checkScraped: a Service selects the pod and names the ops port, and a
// ServiceMonitor selects that Service's port.
func checkScraped(t *testing.T, o *objects, w workload, port string) {
	t.Helper()
	pod := labels.Set(podLabelsOf(w.obj))
	for _, svc := range of[corev1.Service](o) {
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(pod) {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			if sp.TargetPort.String() != port {
				continue
			}
			for _, sm := range of[serviceMonitor](o) {
				sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
				if err != nil || !sel.Matches(labels.Set(svc.Labels)) {
					continue
				}
				for _, ep := range sm.Spec.Endpoints {
					if ep.Port == sp.Name && ep.Path == "/metrics" {
						return
					}
				}
			}
		}
	}
	t.Errorf("%s: no ServiceMonitor scrapes /metrics on port %s through a Service", w.where, port)
}

// checkNetworkPolicy: some NetworkPolicy selects the pod, every one that
// does restricts both directions, and together they let Prometheus in on
// the ops port and the program out to DNS and the Kafka bootstrap port.
func checkNetworkPolicy(t *testing.T, o *objects, w workload, port string) {
	t.Helper()
	pod := labels.Set(podLabelsOf(w.obj))
	_, kport, _ := net.SplitHostPort(w.env["KAFKA_BROKERS"])
	var in, dns, kafka bool
	selected := false
	for _, np := range of[networkingv1.NetworkPolicy](o) {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(pod) {
			continue
		}
		selected = true
		for _, r := range np.Spec.Ingress {
			for _, p := range r.Ports {
				if p.Port != nil && p.Port.String() == port {
					in = true
				}
			}
		}
		for _, r := range np.Spec.Egress {
			for _, p := range r.Ports {
				if p.Port != nil && p.Port.IntValue() == 53 {
					dns = true
				}
				if p.Port != nil && p.Port.String() == kport {
					kafka = true
				}
			}
		}
	}
	if !selected {
		t.Errorf("%s: no NetworkPolicy selects the pod", w.where)
		return
	}
	if !in || !dns || !kafka {
		t.Errorf("%s: NetworkPolicies allow ingress to ops port %s: %v, egress to DNS: %v, to Kafka port %s: %v", w.where, port, in, dns, kport, kafka)
	}
}

// TestDashboardConfigMapIsTheComposeDashboard: Kubernetes' Grafana gets the
// very file compose provisions.
func TestDashboardConfigMapIsTheComposeDashboard(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("k8s", "base", "dashboards", "ukgpro-stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ov := range overlays {
		o := build(t, ov)
		cm, ok := o.get("ConfigMap", "ukgpro-stream-dashboard").(*corev1.ConfigMap)
		if !ok {
			t.Errorf("%s: no ConfigMap ukgpro-stream-dashboard", ov)
			continue
		}
		if cm.Data["ukgpro-stream.json"] != string(want) || cm.Labels["grafana_dashboard"] != "1" {
			t.Errorf("%s: the dashboard ConfigMap is not the dashboard file with label grafana_dashboard=1", ov)
		}
	}
}
