// Package node holds the commands about the runtime and the node as a whole:
// version, info, runtime-config, update-runtime-config, orphans, diagnose.
package node
