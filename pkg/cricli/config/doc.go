// Package config is the config command: crictl.yaml read and edited in place.
package config
