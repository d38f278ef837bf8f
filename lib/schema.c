/*
 * schema.c: the database schema as forward migrations.
 *
 * migrations[i] takes the database from user_version i to i + 1.  Never
 * edit a migration that has shipped: add one.  Times are seconds since
 * the epoch (UTC); ids are UUIDs as text.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include "nubes.h"

static const char *const migrations[] = {
	/* 0 -> 1: identity, catalog, quotas, events. */
	"CREATE TABLE projects ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE users ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  email TEXT,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  password_hash TEXT,"
	"  default_project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,"
	"  tokens_valid_after INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	/* implies: ROLE_* bits the role grants (admin 7, member 3, ...). */
	"CREATE TABLE roles ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  implies INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	");"
	/* project_id NULL: a global assignment. */
	"CREATE TABLE role_assignments ("
	"  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
	"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX role_assignments_unique"
	"  ON role_assignments(user_id, ifnull(project_id, ''), role_id);"
	"CREATE INDEX role_assignments_project ON role_assignments(project_id);"
	"CREATE TABLE revoked_tokens ("
	"  token_id TEXT PRIMARY KEY,"
	"  expires_at INTEGER NOT NULL,"
	"  revoked_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE services ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE endpoints ("
	"  id TEXT PRIMARY KEY,"
	"  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,"
	"  interface TEXT NOT NULL"
	"    CHECK (interface IN ('public', 'internal', 'admin')),"
	"  url TEXT NOT NULL,"
	"  region TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (service_id, interface, region)"
	");"
	"CREATE TABLE quotas ("
	"  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  resource TEXT NOT NULL,"
	"  hard_limit INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, resource)"
	") WITHOUT ROWID;"
	/* The audit log; names are copied so they outlive their rows. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  created_at INTEGER NOT NULL,"
	"  user_id TEXT, user_name TEXT,"
	"  project_id TEXT, project_name TEXT,"
	"  action TEXT NOT NULL,"
	"  target_type TEXT, target_id TEXT, target_name TEXT,"
	"  result TEXT NOT NULL CHECK (result IN ('success', 'failure')),"
	"  message TEXT"
	");"
	"CREATE INDEX events_time ON events(created_at);",

	/*
	 * 1 -> 2: images (Glance's job).  claim names the process that
	 * uploads ("boot_id pid start_time"), so a dead upload is found.
	 */
	"CREATE TABLE images ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  owner TEXT NOT NULL REFERENCES projects(id),"
	"  status TEXT NOT NULL CHECK (status IN ('queued', 'saving',"
	"    'active', 'killed', 'deactivated')),"
	"  disk_format TEXT NOT NULL,"
	"  container_format TEXT NOT NULL,"
	"  size INTEGER,"
	"  virtual_size INTEGER,"
	"  os_hash_algo TEXT,"
	"  os_hash_value TEXT,"
	"  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private',"
	"    'shared', 'community')),"
	"  protected INTEGER NOT NULL DEFAULT 0,"
	"  min_disk INTEGER NOT NULL DEFAULT 0,"
	"  min_ram INTEGER NOT NULL DEFAULT 0,"
	"  kernel_id TEXT REFERENCES images(id),"
	"  ramdisk_id TEXT REFERENCES images(id),"
	"  claim TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX images_owner ON images(owner, status);"
	"CREATE INDEX images_visibility ON images(visibility);"
	"CREATE INDEX images_name ON images(name);"
	"CREATE INDEX images_created ON images(created_at);"
	"CREATE TABLE image_properties ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (image_id, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX image_properties_kv ON image_properties(key, value);"
	"CREATE TABLE image_members ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  member TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'accepted', 'rejected')),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (image_id, member)"
	") WITHOUT ROWID;"
	"CREATE INDEX image_members_member ON image_members(member, status);",

	/* 2 -> 3: compute's catalogue: flavors, key pairs, hosts. */
	"CREATE TABLE flavors ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  vcpus INTEGER NOT NULL CHECK (vcpus > 0),"
	"  ram_mib INTEGER NOT NULL CHECK (ram_mib > 0),"
	"  disk_gb INTEGER NOT NULL CHECK (disk_gb >= 0),"
	"  ephemeral_gb INTEGER NOT NULL DEFAULT 0 CHECK (ephemeral_gb >= 0),"
	"  swap_mib INTEGER NOT NULL DEFAULT 0 CHECK (swap_mib >= 0),"
	"  is_public INTEGER NOT NULL DEFAULT 1,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE flavor_specs ("
	"  flavor_id TEXT NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (flavor_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE flavor_access ("
	"  flavor_id TEXT NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,"
	"  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (flavor_id, project_id)"
	") WITHOUT ROWID;"
	/* Key pairs belong to users, as in Nova. */
	"CREATE TABLE keypairs ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  bits INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (user_id, name)"
	");"
	/* Compute hosts: a libvirt URI each, and what it offers. */
	"CREATE TABLE hosts ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  uri TEXT NOT NULL UNIQUE,"
	"  zone TEXT NOT NULL DEFAULT 'nova',"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  disabled_reason TEXT,"
	"  cpu_ratio REAL NOT NULL CHECK (cpu_ratio > 0),"
	"  ram_ratio REAL NOT NULL CHECK (ram_ratio > 0),"
	"  disk_ratio REAL NOT NULL CHECK (disk_ratio > 0),"
	"  reserved_ram_mib INTEGER NOT NULL CHECK (reserved_ram_mib >= 0),"
	"  vcpus INTEGER NOT NULL,"
	"  ram_mib INTEGER NOT NULL,"
	"  disk_gb INTEGER NOT NULL,"
	"  pool TEXT NOT NULL,"
	"  arch TEXT,"
	"  hypervisor_type TEXT,"
	"  hypervisor_hostname TEXT,"
	"  libvirt_version TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");",

	/*
	 * 3 -> 4: servers.  The flavor's sizes are copied: they are the
	 * server's claim on its host, whatever becomes of the flavor.
	 * claim names the process working on the server, deadline when
	 * that work is overdue (DESIGN.md 4).
	 */
	"CREATE TABLE servers ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  user_id TEXT NOT NULL,"
	"  flavor_id TEXT,"
	"  flavor_name TEXT NOT NULL,"
	"  vcpus INTEGER NOT NULL,"
	"  ram_mib INTEGER NOT NULL,"
	"  disk_gb INTEGER NOT NULL,"
	"  image_id TEXT,"
	"  host_id TEXT REFERENCES hosts(id),"
	"  zone TEXT,"
	"  key_name TEXT,"
	"  vm_state TEXT NOT NULL CHECK (vm_state IN ('building', 'active',"
	"    'stopped', 'paused', 'suspended', 'error')),"
	"  task_state TEXT,"
	"  power_state TEXT,"
	"  claim TEXT,"
	"  deadline INTEGER,"
	"  fault TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX servers_project ON servers(project_id);"
	"CREATE INDEX servers_host ON servers(host_id, vm_state);"
	/* Nova's instance actions: what was done to a server, and how. */
	"CREATE TABLE server_events ("
	"  id INTEGER PRIMARY KEY,"
	"  server_id TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  user_id TEXT,"
	"  start_time INTEGER NOT NULL,"
	"  finish_time INTEGER,"
	"  result TEXT,"
	"  message TEXT"
	");"
	"CREATE INDEX server_events_server ON server_events(server_id);"
	/* Images already in a host's pool, shared by its servers. */
	"CREATE TABLE host_images ("
	"  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	"  image_id TEXT NOT NULL,"
	"  volume TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  PRIMARY KEY (host_id, image_id)"
	") WITHOUT ROWID;",

	/* 4 -> 5: locked servers refuse actions by all but cloud admins. */
	"ALTER TABLE servers ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;",

	/*
	 * 5 -> 6: resize, ephemeral and swap disks, properties, server
	 * groups.  SQLite cannot widen a CHECK, so servers is rebuilt (rowids
	 * kept: lists order by them).  While a resize awaits confirmation
	 * the old_* columns hold the old flavor, and the host keeps the
	 * larger of old and new claimed, so a revert always fits.
	 */
	"CREATE TABLE servers_v6 ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  user_id TEXT NOT NULL,"
	"  flavor_id TEXT,"
	"  flavor_name TEXT NOT NULL,"
	"  vcpus INTEGER NOT NULL,"
	"  ram_mib INTEGER NOT NULL,"
	"  disk_gb INTEGER NOT NULL,"
	"  image_id TEXT,"
	"  host_id TEXT REFERENCES hosts(id),"
	"  zone TEXT,"
	"  key_name TEXT,"
	"  vm_state TEXT NOT NULL CHECK (vm_state IN ('building', 'active',"
	"    'stopped', 'paused', 'suspended', 'resized', 'error')),"
	"  task_state TEXT,"
	"  power_state TEXT,"
	"  claim TEXT,"
	"  deadline INTEGER,"
	"  fault TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  root_gb INTEGER NOT NULL DEFAULT 0,"
	"  ephemeral_gb INTEGER NOT NULL DEFAULT 0,"
	"  swap_mib INTEGER NOT NULL DEFAULT 0,"
	"  old_flavor_id TEXT,"
	"  old_flavor_name TEXT,"
	"  old_vcpus INTEGER,"
	"  old_ram_mib INTEGER,"
	"  old_disk_gb INTEGER,"
	"  old_root_gb INTEGER,"
	"  old_ephemeral_gb INTEGER,"
	"  old_swap_mib INTEGER,"
	"  old_vm_state TEXT"
	");"
	"INSERT INTO servers_v6 (rowid, id, name, project_id, user_id,"
	"  flavor_id, flavor_name, vcpus, ram_mib, disk_gb, image_id, host_id,"
	"  zone, key_name, vm_state, task_state, power_state, claim, deadline,"
	"  fault, created_at, updated_at, locked, root_gb)"
	"  SELECT rowid, id, name, project_id, user_id, flavor_id, flavor_name,"
	"  vcpus, ram_mib, disk_gb, image_id, host_id, zone, key_name,"
	"  vm_state, task_state, power_state, claim, deadline, fault,"
	"  created_at, updated_at, locked, disk_gb FROM servers;"
	"DROP TABLE servers;"
	"ALTER TABLE servers_v6 RENAME TO servers;"
	"CREATE INDEX servers_project ON servers(project_id);"
	"CREATE INDEX servers_host ON servers(host_id, vm_state);"
	/* cloud-boot --property: the config drive's meta. */
	"CREATE TABLE server_properties ("
	"  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (server_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE server_groups ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  user_id TEXT NOT NULL,"
	"  policy TEXT NOT NULL CHECK (policy IN ('affinity', 'anti-affinity',"
	"    'soft-affinity', 'soft-anti-affinity')),"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (project_id, name)"
	");"
	/* A server is in at most one group, as in Nova. */
	"CREATE TABLE server_group_members ("
	"  server_id TEXT PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,"
	"  group_id TEXT NOT NULL REFERENCES server_groups(id)"
	"    ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE INDEX server_group_members_group ON"
	"  server_group_members(group_id);"
	/*
	 * What live servers claim on each host, kept on the host's row by
	 * triggers in the transaction that changes a server, so that the
	 * scheduler reads 100,000 hosts without summing their servers.  A
	 * server in error has released its claim; a resized one claims the
	 * larger of its old and new flavors.
	 */
	"ALTER TABLE hosts ADD COLUMN vcpus_used INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hosts ADD COLUMN ram_used_mib INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hosts ADD COLUMN disk_used_gb INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hosts ADD COLUMN servers INTEGER NOT NULL DEFAULT 0;"
	"UPDATE hosts SET"
	"  vcpus_used = (SELECT ifnull(sum(vcpus), 0) FROM servers s"
	"    WHERE s.host_id = hosts.id AND s.vm_state <> 'error'),"
	"  ram_used_mib = (SELECT ifnull(sum(ram_mib), 0) FROM servers s"
	"    WHERE s.host_id = hosts.id AND s.vm_state <> 'error'),"
	"  disk_used_gb = (SELECT ifnull(sum(disk_gb), 0) FROM servers s"
	"    WHERE s.host_id = hosts.id AND s.vm_state <> 'error'),"
	"  servers = (SELECT count(*) FROM servers s"
	"    WHERE s.host_id = hosts.id AND s.vm_state <> 'error');"
#define CLAIM(sign, row) \
	"UPDATE hosts SET" \
	"  vcpus_used = vcpus_used " sign \
	"    max(" row ".vcpus, ifnull(" row ".old_vcpus, 0))," \
	"  ram_used_mib = ram_used_mib " sign \
	"    max(" row ".ram_mib, ifnull(" row ".old_ram_mib, 0))," \
	"  disk_used_gb = disk_used_gb " sign \
	"    max(" row ".disk_gb, ifnull(" row ".old_disk_gb, 0))," \
	"  servers = servers " sign " 1" \
	"  WHERE id = " row ".host_id;"
#define CLAIMS(row) \
	" WHEN " row ".host_id IS NOT NULL AND " row ".vm_state <> 'error'"
#define CLAIM_COLUMNS \
	" UPDATE OF host_id, vm_state, vcpus, ram_mib, disk_gb, old_vcpus," \
	" old_ram_mib, old_disk_gb ON servers"
	"CREATE TRIGGER servers_claim_insert AFTER INSERT ON servers"
	CLAIMS("NEW") " BEGIN " CLAIM("+", "NEW") " END;"
	"CREATE TRIGGER servers_claim_delete AFTER DELETE ON servers"
	CLAIMS("OLD") " BEGIN " CLAIM("-", "OLD") " END;"
	"CREATE TRIGGER servers_claim_release AFTER" CLAIM_COLUMNS
	CLAIMS("OLD") " BEGIN " CLAIM("-", "OLD") " END;"
	"CREATE TRIGGER servers_claim_take AFTER" CLAIM_COLUMNS
	CLAIMS("NEW") " BEGIN " CLAIM("+", "NEW") " END;",
#undef CLAIM
#undef CLAIMS
#undef CLAIM_COLUMNS

	/*
	 * 6 -> 7: block storage (Cinder's).  A volume lives in a storage
	 * pool of one host; its type names the pool.  claim and deadline as
	 * for servers (DESIGN.md 4).  A volume is attached to at most one
	 * server, on the server's host, at one device.
	 */
	"CREATE TABLE volume_types ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  pool TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE volume_type_specs ("
	"  type_id TEXT NOT NULL REFERENCES volume_types(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (type_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE volumes ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  user_id TEXT NOT NULL,"
	"  size_gb INTEGER NOT NULL CHECK (size_gb > 0),"
	"  status TEXT NOT NULL CHECK (status IN ('creating', 'available',"
	"    'reserved', 'attaching', 'in-use', 'detaching', 'deleting',"
	"    'extending', 'error', 'error_deleting')),"
	"  type_id TEXT REFERENCES volume_types(id),"
	"  host_id TEXT REFERENCES hosts(id),"
	"  pool TEXT,"
	"  source_image_id TEXT,"
	"  source_volume_id TEXT,"
	"  source_snapshot_id TEXT,"
	"  bootable INTEGER NOT NULL DEFAULT 0,"
	"  server_id TEXT REFERENCES servers(id) ON DELETE SET NULL,"
	"  device TEXT,"
	"  delete_on_termination INTEGER NOT NULL DEFAULT 0,"
	/* qcow2 in file pools, raw in block pools (LVM, RBD). */
	"  format TEXT NOT NULL DEFAULT 'qcow2',"
	"  claim TEXT,"
	"  deadline INTEGER,"
	"  fault TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (server_id, device)"
	");"
	"CREATE INDEX volumes_project ON volumes(project_id);"
	"CREATE INDEX volumes_server ON volumes(server_id);"
	"CREATE TABLE snapshots ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  user_id TEXT NOT NULL,"
	"  volume_id TEXT NOT NULL REFERENCES volumes(id),"
	"  size_gb INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('creating', 'available',"
	"    'deleting', 'error', 'error_deleting')),"
	"  claim TEXT,"
	"  deadline INTEGER,"
	"  fault TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX snapshots_volume ON snapshots(volume_id);"
	/* Booted from a volume: the server's root disk is that volume. */
	"ALTER TABLE servers ADD COLUMN root_volume_id TEXT;",

	/*
	 * 7 -> 8: migrations (Nova's): a server's move from one host to
	 * another.  While one runs, the destination claims the server's
	 * sizes too (kept by triggers on the host row, as servers' are), so
	 * parallel boots and moves never overcommit it; the server's own
	 * claim moves with its host_id when the move is recorded done.
	 */
	"CREATE TABLE migrations ("
	"  id TEXT PRIMARY KEY,"
	"  server_id TEXT NOT NULL,"
	"  server_name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('live', 'block', 'cold',"
	"    'evacuation')),"
	"  status TEXT NOT NULL CHECK (status IN ('running', 'completed',"
	"    'failed', 'aborted')),"
	"  source_host_id TEXT NOT NULL,"
	"  dest_host_id TEXT NOT NULL REFERENCES hosts(id),"
	"  vcpus INTEGER NOT NULL,"
	"  ram_mib INTEGER NOT NULL,"
	"  disk_gb INTEGER NOT NULL,"
	"  user_id TEXT,"
	"  claim TEXT,"
	"  deadline INTEGER,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  downtime_ms INTEGER,"
	"  bytes INTEGER,"
	"  fault TEXT,"
	"  shared INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX migrations_server ON migrations(server_id);"
	"CREATE TRIGGER migrations_claim_take AFTER INSERT ON migrations"
	"  WHEN NEW.status = 'running' BEGIN"
	"  UPDATE hosts SET vcpus_used = vcpus_used + NEW.vcpus,"
	"    ram_used_mib = ram_used_mib + NEW.ram_mib,"
	"    disk_used_gb = disk_used_gb + NEW.disk_gb"
	"    WHERE id = NEW.dest_host_id; END;"
	"CREATE TRIGGER migrations_claim_release AFTER UPDATE OF status"
	"  ON migrations WHEN OLD.status = 'running'"
	"  AND NEW.status <> 'running' BEGIN"
	"  UPDATE hosts SET vcpus_used = vcpus_used - OLD.vcpus,"
	"    ram_used_mib = ram_used_mib - OLD.ram_mib,"
	"    disk_used_gb = disk_used_gb - OLD.disk_gb"
	"    WHERE id = OLD.dest_host_id; END;"
	/*
	 * A host the admin marked down (dead): its servers are rebuilt
	 * elsewhere without contacting it.  A server's user data, kept
	 * for its config drive when it is rebuilt on another host.
	 */
	"ALTER TABLE hosts ADD COLUMN down INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE servers ADD COLUMN user_data TEXT;",

	/*
	 * 8 -> 9: networks, subnets and ports (Neutron's).  A subnet's
	 * pools as given, and the ranges of them still free (IPAM); an
	 * address is UNIQUE in its subnet, a MAC in the cloud, a segment
	 * on its physical network, a flat network per physical network.
	 */
	"CREATE TABLE networks ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  type TEXT NOT NULL CHECK (type IN ('local', 'flat', 'vlan',"
	"    'vxlan')),"
	"  physical_net TEXT,"
	"  segment INTEGER,"
	"  external INTEGER NOT NULL DEFAULT 0,"
	"  shared INTEGER NOT NULL DEFAULT 0,"
	"  mtu INTEGER NOT NULL,"
	"  bridge TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (project_id, name)"
	");"
	"CREATE UNIQUE INDEX networks_segment ON networks(type,"
	"  ifnull(physical_net, ''), segment) WHERE segment IS NOT NULL;"
	"CREATE UNIQUE INDEX networks_flat ON networks(physical_net)"
	"  WHERE type = 'flat';"
	"CREATE TABLE subnets ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  cidr TEXT NOT NULL,"
	"  net_first INTEGER NOT NULL,"
	"  net_last INTEGER NOT NULL,"
	"  gateway TEXT,"
	"  dhcp INTEGER NOT NULL,"
	"  dns TEXT,"
	"  routes TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (project_id, name)"
	");"
	"CREATE INDEX subnets_network ON subnets(network_id, net_first);"
	"CREATE TABLE subnet_pools ("
	"  subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
	"  first INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  text TEXT NOT NULL"
	");"
	"CREATE INDEX subnet_pools_subnet ON subnet_pools(subnet_id, first);"
	"CREATE TABLE ip_ranges ("
	"  subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
	"  first INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  UNIQUE (subnet_id, first)"
	");"
	"CREATE INDEX ip_ranges_last ON ip_ranges(subnet_id, last);"
	"CREATE TABLE ports ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  network_id TEXT NOT NULL REFERENCES networks(id),"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  mac TEXT NOT NULL UNIQUE,"
	"  device_owner TEXT,"
	"  device_id TEXT,"
	"  port_security INTEGER NOT NULL DEFAULT 1,"
	"  status TEXT NOT NULL,"
	"  host_id TEXT REFERENCES hosts(id),"
	"  auto_delete INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX ports_network ON ports(network_id);"
	"CREATE INDEX ports_project ON ports(project_id);"
	"CREATE INDEX ports_device ON ports(device_id);"
	"CREATE TABLE port_ips ("
	"  port_id TEXT NOT NULL REFERENCES ports(id) ON DELETE CASCADE,"
	"  subnet_id TEXT NOT NULL REFERENCES subnets(id),"
	"  address INTEGER NOT NULL,"
	"  ip TEXT NOT NULL,"
	"  UNIQUE (subnet_id, address)"
	");"
	"CREATE INDEX port_ips_port ON port_ips(port_id);"
	/*
	 * Security groups (Neutron's): rules admit traffic to and from a
	 * port; the rest is dropped.  A port with port security is in one
	 * group at least ("default" when none is named).
	 */
	"CREATE TABLE security_groups ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  description TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (project_id, name)"
	");"
	"CREATE TABLE security_group_rules ("
	"  id TEXT PRIMARY KEY,"
	"  group_id TEXT NOT NULL REFERENCES security_groups(id)"
	"    ON DELETE CASCADE,"
	"  project_id TEXT NOT NULL,"
	"  direction TEXT NOT NULL CHECK (direction IN ('ingress', 'egress')),"
	"  protocol TEXT,"
	"  port_min INTEGER,"
	"  port_max INTEGER,"
	"  remote_ip_prefix TEXT,"
	"  remote_group_id TEXT REFERENCES security_groups(id),"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX security_group_rules_group ON"
	"  security_group_rules(group_id);"
	"CREATE INDEX security_group_rules_remote ON"
	"  security_group_rules(remote_group_id);"
	"CREATE TABLE port_security_groups ("
	"  port_id TEXT NOT NULL REFERENCES ports(id) ON DELETE CASCADE,"
	"  group_id TEXT NOT NULL REFERENCES security_groups(id),"
	"  PRIMARY KEY (port_id, group_id)"
	");"
	"CREATE INDEX port_security_groups_group ON"
	"  port_security_groups(group_id);",

	/*
	 * 9 -> 10: routers and floating IPs (Neutron's L3).  A router's
	 * legs are ports: one holding each joined subnet's gateway
	 * address, one on its external network; a subnet is on one router
	 * at most.  A floating IP is a port of its external network (its
	 * address is IPAM's) bound 1:1 to another port's fixed address.
	 */
	"CREATE TABLE routers ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  external_net_id TEXT REFERENCES networks(id),"
	"  gateway_port_id TEXT UNIQUE REFERENCES ports(id),"
	"  snat INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (project_id, name)"
	");"
	"CREATE TABLE router_interfaces ("
	"  router_id TEXT NOT NULL REFERENCES routers(id),"
	"  subnet_id TEXT NOT NULL UNIQUE REFERENCES subnets(id),"
	"  port_id TEXT NOT NULL UNIQUE REFERENCES ports(id),"
	"  PRIMARY KEY (router_id, subnet_id)"
	");"
	"CREATE TABLE floating_ips ("
	"  id TEXT PRIMARY KEY,"
	"  project_id TEXT NOT NULL REFERENCES projects(id),"
	"  network_id TEXT NOT NULL REFERENCES networks(id),"
	"  port_id TEXT NOT NULL UNIQUE REFERENCES ports(id),"
	"  address TEXT NOT NULL,"
	"  fixed_port_id TEXT UNIQUE REFERENCES ports(id),"
	"  fixed_ip TEXT,"
	"  router_id TEXT REFERENCES routers(id),"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX floating_ips_project ON floating_ips(project_id);"
	"CREATE INDEX floating_ips_router ON floating_ips(router_id);"
	"CREATE INDEX ports_owner ON ports(device_owner, device_id);",
};

#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

/*
 * Bring the schema up to date.  Cheap when it is: one PRAGMA read.  The
 * version is read again inside the write transaction, so two programs
 * opening an old database at once migrate it once.
 */
int
schema_migrate(struct nb *nb)
{
	int	 v;

	if ((v = db_user_version(nb)) == -1)
		return -1;
	if ((size_t)v == NMIGRATIONS)
		return 0;
	if ((size_t)v > NMIGRATIONS)
		return nb_seterr(nb, NB_EFAIL, "database schema version %d is "
		    "newer than this nubes (%zu): upgrade nubes", v,
		    NMIGRATIONS);
	if (db_begin(nb) == -1)
		return -1;
	for (v = db_user_version(nb); (size_t)v < NMIGRATIONS; v++) {
		char	 sql[64];

		if (db_exec_script(nb, migrations[v]) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (db_exec(nb, NULL, sql, NULL) == -1)
			goto fail;
	}
	return db_commit(nb);
fail:
	db_rollback(nb);
	return -1;
}

int
schema_version(void)
{
	return NMIGRATIONS;
}
