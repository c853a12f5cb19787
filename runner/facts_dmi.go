package runner

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// factsScriptDMI adds the DMI facts sysfs gives, the SSH host public
// keys and the storage initiator names ansible's collectors read from
// files. Lines are prefixed "dmi." and "key." for parseDMI.
const factsScriptDMI = `
for k in bios_date bios_vendor bios_version board_asset_tag board_name board_serial board_vendor board_version chassis_asset_tag chassis_serial chassis_vendor chassis_version chassis_type product_name product_serial product_uuid product_version sys_vendor; do v=; read -r v < /sys/devices/virtual/dmi/id/$k 2>/dev/null && echo "dmi.$k=$v"; done
for d in /etc/ssh /etc/openssh /etc; do for a in dsa rsa ecdsa ed25519; do [ -r "$d/ssh_host_${a}_key.pub" ] && { read -r t k _ < "$d/ssh_host_${a}_key.pub"; echo "key.$d|$a=$t $k"; }; done; done
for p in /sys/class/fc_host/*/port_name; do [ -r "$p" ] && { read -r w < "$p"; echo "dmi.wwn=$w"; }; done
[ -r /etc/iscsi/initiatorname.iscsi ] && sed -n 's/^InitiatorName=/dmi.iqn=/p' /etc/iscsi/initiatorname.iscsi
[ -r /etc/nvme/hostnqn ] && { read -r n < /etc/nvme/hostnqn; echo "dmi.hostnqn=$n"; }
`

var dmiFactNames = [][2]string{
	{"bios_date", "bios_date"}, {"bios_vendor", "bios_vendor"}, {"bios_version", "bios_version"},
	{"board_asset_tag", "board_asset_tag"}, {"board_name", "board_name"}, {"board_serial", "board_serial"},
	{"board_vendor", "board_vendor"}, {"board_version", "board_version"}, {"chassis_asset_tag", "chassis_asset_tag"},
	{"chassis_serial", "chassis_serial"}, {"chassis_vendor", "chassis_vendor"}, {"chassis_version", "chassis_version"},
	{"form_factor", "chassis_type"}, {"product_name", "product_name"}, {"product_serial", "product_serial"},
	{"product_uuid", "product_uuid"}, {"product_version", "product_version"}, {"system_vendor", "sys_vendor"},
}

var formFactors = strings.Split("Unknown|Other|Unknown|Desktop|Low Profile Desktop|Pizza Box|Mini Tower|Tower|"+
	"Portable|Laptop|Notebook|Hand Held|Docking Station|All In One|Sub Notebook|Space-saving|Lunch Box|"+
	"Main Server Chassis|Expansion Chassis|Sub Chassis|Bus Expansion Chassis|Peripheral Chassis|RAID Chassis|"+
	"Rack Mount Chassis|Sealed-case PC|Multi-system|CompactPCI|AdvancedTCA|Blade|Blade Enclosure|"+
	"Tablet|Convertible|Detachable|IoT Gateway|Embedded PC|Mini PC|Stick PC", "|")

// parseDMI reads factsScriptDMI's lines into f: each DMI fact "NA" where
// sysfs lacks it, as ansible's LinuxHardware; the SSH keys of the first
// directory that has any, as ansible's SshPubKeyFactCollector.
func parseDMI(out []byte, f *value.Map) {
	dmi := map[string]string{}
	keys := map[string]string{}
	var keyDirs []string
	wwn := []any{}
	iqn, nqn := "", ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok:
		case k == "dmi.wwn":
			wwn = append(wwn, strings.TrimPrefix(v, "0x"))
		case k == "dmi.iqn":
			iqn = v
		case k == "dmi.hostnqn":
			nqn = v
		case strings.HasPrefix(k, "dmi."):
			dmi[k[4:]] = v
		case strings.HasPrefix(k, "key."):
			dir, _, _ := strings.Cut(k[4:], "|")
			if len(keyDirs) == 0 || keyDirs[len(keyDirs)-1] != dir {
				keyDirs = append(keyDirs, dir)
			}
			keys[k[4:]] = v
		}
	}
	for _, n := range dmiFactNames {
		v, ok := dmi[n[1]]
		switch {
		case !ok:
			v = "NA"
		case n[0] == "form_factor":
			if i, err := strconv.Atoi(v); err == nil && i >= 0 && i < len(formFactors) {
				v = formFactors[i]
			} else {
				v = "unknown (" + v + ")"
			}
		}
		f.Set(n[0], v)
	}
	if len(keyDirs) > 0 {
		for _, a := range []string{"dsa", "rsa", "ecdsa", "ed25519"} {
			if typ, key, ok := strings.Cut(keys[keyDirs[0]+"|"+a], " "); ok {
				f.Set("ssh_host_key_"+a+"_public", key)
				f.Set("ssh_host_key_"+a+"_public_keytype", typ)
			}
		}
	}
	f.Set("fibre_channel_wwn", wwn)
	f.Set("iscsi_iqn", iqn)
	f.Set("hostnqn", nqn)
}
