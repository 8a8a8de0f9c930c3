package devnode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/vishvananda/netlink"
)

// maxSlots bounds the bridges ctrcri0..ctrcri249 (subnets 10.209.N.0/24).
const maxSlots = 250

// claimSlot picks the first slot whose bridge does not exist yet and creates
// that bridge. Creating a link is atomic, so two nodes starting at once in
// different processes never get the same slot; the CNI bridge plugin adopts
// the existing bridge. Stop deletes it, which frees the slot.
func claimSlot() (int, error) {
	for i := 0; i < maxSlots; i++ {
		name, _, _ := slotNames(i)
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
		if err == nil {
			return i, nil
		}
		if !errors.Is(err, syscall.EEXIST) {
			return 0, fmt.Errorf("devnode: create bridge %s: %w", name, err)
		}
	}
	return 0, fmt.Errorf("devnode: all %d bridge slots are taken; stale nodes? see `ip link show type bridge`", maxSlots)
}

// reapOrphans tears down ephemeral nodes under /tmp whose owning process is
// gone (a test binary killed by its timeout, say), so they do not pile up
// and hold slots. Errors are logged, not returned: this is housekeeping.
func reapOrphans(logf func(string, ...any)) {
	dirs, _ := filepath.Glob("/tmp/ctrcri-*")
	for _, d := range dirs {
		n, err := Attach(d)
		if err != nil || n.Owner == 0 || n.Owner == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(n.Owner)); err == nil {
			continue
		}
		logf("devnode: reaping orphaned node %s (owner %d is gone)", d, n.Owner)
		if err := n.Stop(); err != nil {
			logf("devnode: reaping %s: %v", d, err)
		}
	}
}
