package main

import (
	_ "github.com/containerd/containerd/v2/cmd/ctr/app"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/urfave/cli/v3"
	_ "k8s.io/cri-api/pkg/apis/runtime/v1"
	_ "k8s.io/cri-client/pkg/fake"
	_ "k8s.io/cri-client/pkg/logs"
	_ "k8s.io/client-go/tools/remotecommand"
	_ "k8s.io/client-go/tools/portforward"
	_ "sigs.k8s.io/yaml"
	_ "github.com/urfave/cli-docs/v3"
	_ "github.com/google/go-containerregistry/pkg/registry"
)

func main() {}
