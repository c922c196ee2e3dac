// Package deploy holds no code. Its tests check what ships beside the
// programs — the Dockerfile, docker-compose.yml, the kustomize overlays under
// k8s/, the Grafana dashboard and the Prometheus configuration — against the
// programs themselves, without Docker or a cluster:
//
//   - the Dockerfile's build command builds the binaries (the tests then use
//     those binaries), and every image stage copies one that exists;
//   - compose-go loads and validates docker-compose.yml; kustomize builds
//     every overlay and each object decodes strictly into its Kubernetes or
//     Strimzi type, with names Kubernetes accepts;
//   - every environment variable set anywhere is one the program it reaches
//     lists in --help, and every required one is set;
//   - the KafkaTopics are exactly the topics the programs create, with the
//     same policies, and the dashboard queries only metrics the programs
//     export: both learned by running the extractor and the loader against
//     the embedded broker and the simulator.
package deploy
