// The sysctls the simulator honours and their values in a fresh network namespace of the
// simulated kernel. The export pins every one of them, so the host's own values (which new
// namespaces copy, kernel-path.md 1.7) never change a result. Per-device `conf` entries are
// copied from `conf.default` when the device appears (inetdev_init). Also: the value rules of
// each honoured key and the names of every other key a fresh namespace of the reference kernel
// has, so the checker can tell "exists but not simulated" (a warning) from "does not exist"
// (sysctl's own error). No IO: the name lists are data captured once from the kernel.

import type { NetnsConfig } from '../kernel/config';

/** Per-device and all/default IPv4 conf keys that the simulator reads: name -> compiled default. */
export const CONF_KEYS: ReadonlyMap<string, string> = new Map([
  ['forwarding', '0'],
  ['rp_filter', '0'],
  ['accept_local', '0'],
  ['route_localnet', '0'],
  ['src_valid_mark', '0'],
]);

/** Namespace-wide keys the simulator reads, with their value in a new namespace. */
export const GLOBAL_KEYS: ReadonlyMap<string, string> = new Map([
  ['net.ipv4.ip_forward', '0'],
  ['net.ipv4.icmp_echo_ignore_all', '0'],
  ['net.ipv4.icmp_echo_ignore_broadcasts', '1'],
  ['net.ipv4.ip_default_ttl', '64'],
  ['net.ipv4.ip_nonlocal_bind', '0'],
  // br_netfilter is built into the kernels this project checks against (kernel-harness-notes.md).
  ['net.bridge.bridge-nf-call-iptables', '1'],
]);

/**
 * How the kernel parses and stores a value written to an honoured key (verified by writing
 * values with sysctl -w in a throwaway namespace on Linux 6.18):
 * - `int`: proc_dointvec, any 32-bit integer is stored as written (ip_forward=7, rp_filter=-1 and
 *   rp_filter=3 are all accepted); a non-integer is EINVAL;
 * - `range`: proc_dointvec_minmax / proc_dou8vec_minmax, outside [min, max] is EINVAL;
 * - `bool`: any integer, stored as 0 or 1 (bridge-nf-call-iptables=2 reads back 1).
 */
export type ValueRule = { kind: 'int' } | { kind: 'range'; min: number; max: number } | { kind: 'bool' };

const INT: ValueRule = { kind: 'int' };

/** Value rule per honoured key: conf keys by their last component, global keys by full name. */
export const CONF_RULES: ReadonlyMap<string, ValueRule> = new Map([
  ['forwarding', INT], ['rp_filter', INT], ['accept_local', INT], ['route_localnet', INT], ['src_valid_mark', INT],
]);

export const GLOBAL_RULES: ReadonlyMap<string, ValueRule> = new Map<string, ValueRule>([
  ['net.ipv4.ip_forward', INT],
  ['net.ipv4.icmp_echo_ignore_all', { kind: 'range', min: 0, max: 1 }],
  ['net.ipv4.icmp_echo_ignore_broadcasts', { kind: 'range', min: 0, max: 1 }],
  ['net.ipv4.ip_default_ttl', { kind: 'range', min: 1, max: 255 }],
  ['net.ipv4.ip_nonlocal_bind', { kind: 'range', min: 0, max: 255 }],
  ['net.bridge.bridge-nf-call-iptables', { kind: 'bool' }],
]);

const words = (s: string): Set<string> => new Set(s.split(' ').filter((w) => w));

/**
 * Namespace-wide keys (without the leading `net.`) that exist in a fresh network namespace of
 * the reference kernel (Linux 6.18, `sysctl -a` inside `ip netns exec`), per-device trees left out.
 */
export const KERNEL_GLOBAL_KEYS: ReadonlySet<string> = words(
  'bridge.bridge-nf-call-arptables bridge.bridge-nf-call-ip6tables bridge.bridge-nf-call-iptables ' +
  'bridge.bridge-nf-filter-pppoe-tagged bridge.bridge-nf-filter-vlan-tagged ' +
  'bridge.bridge-nf-pass-vlan-input-dev core.optmem_max core.rmem_default core.rmem_max ' +
  'core.rps_default_mask core.somaxconn core.tstamp_allow_data core.txrehash core.wmem_default ' +
  'core.wmem_max core.xfrm_acq_expires core.xfrm_aevent_etime core.xfrm_aevent_rseqth ' +
  'core.xfrm_larval_drop ipv4.fib_multipath_hash_fields ipv4.fib_multipath_hash_policy ' +
  'ipv4.fib_multipath_hash_seed ipv4.fib_multipath_use_neigh ipv4.fib_notify_on_flag_change ' +
  'ipv4.fwmark_reflect ipv4.icmp_echo_enable_probe ipv4.icmp_echo_ignore_all ' +
  'ipv4.icmp_echo_ignore_broadcasts ipv4.icmp_errors_use_inbound_ifaddr ' +
  'ipv4.icmp_ignore_bogus_error_responses ipv4.icmp_msgs_burst ipv4.icmp_msgs_per_sec ipv4.icmp_ratelimit ' +
  'ipv4.icmp_ratemask ipv4.igmp_link_local_mcast_reports ipv4.igmp_max_memberships ipv4.igmp_max_msf ' +
  'ipv4.igmp_qrv ipv4.ip_autobind_reuse ipv4.ip_default_ttl ipv4.ip_dynaddr ipv4.ip_early_demux ' +
  'ipv4.ip_forward ipv4.ip_forward_update_priority ipv4.ip_forward_use_pmtu ipv4.ip_local_port_range ' +
  'ipv4.ip_local_reserved_ports ipv4.ip_no_pmtu_disc ipv4.ip_nonlocal_bind ipv4.ip_unprivileged_port_start ' +
  'ipv4.ipfrag_high_thresh ipv4.ipfrag_low_thresh ipv4.ipfrag_max_dist ipv4.ipfrag_time ' +
  'ipv4.nexthop_compat_mode ipv4.ping_group_range ipv4.raw_l3mdev_accept ipv4.route.min_adv_mss ' +
  'ipv4.route.min_pmtu ipv4.route.mtu_expires ipv4.tcp_abort_on_overflow ipv4.tcp_adv_win_scale ' +
  'ipv4.tcp_allowed_congestion_control ipv4.tcp_app_win ipv4.tcp_autocorking ' +
  'ipv4.tcp_available_congestion_control ipv4.tcp_backlog_ack_defer ipv4.tcp_base_mss ' +
  'ipv4.tcp_challenge_ack_limit ipv4.tcp_child_ehash_entries ipv4.tcp_comp_sack_delay_ns ' +
  'ipv4.tcp_comp_sack_nr ipv4.tcp_comp_sack_slack_ns ipv4.tcp_congestion_control ipv4.tcp_dsack ' +
  'ipv4.tcp_early_demux ipv4.tcp_early_retrans ipv4.tcp_ecn ipv4.tcp_ecn_fallback ipv4.tcp_ecn_option ' +
  'ipv4.tcp_ecn_option_beacon ipv4.tcp_ehash_entries ipv4.tcp_fack ipv4.tcp_fastopen ' +
  'ipv4.tcp_fastopen_blackhole_timeout_sec ipv4.tcp_fastopen_key ipv4.tcp_fin_timeout ipv4.tcp_frto ' +
  'ipv4.tcp_fwmark_accept ipv4.tcp_invalid_ratelimit ipv4.tcp_keepalive_intvl ipv4.tcp_keepalive_probes ' +
  'ipv4.tcp_keepalive_time ipv4.tcp_l3mdev_accept ipv4.tcp_limit_output_bytes ipv4.tcp_max_reordering ' +
  'ipv4.tcp_max_syn_backlog ipv4.tcp_max_tw_buckets ipv4.tcp_migrate_req ipv4.tcp_min_rtt_wlen ' +
  'ipv4.tcp_min_snd_mss ipv4.tcp_min_tso_segs ipv4.tcp_moderate_rcvbuf ipv4.tcp_mtu_probe_floor ' +
  'ipv4.tcp_mtu_probing ipv4.tcp_no_metrics_save ipv4.tcp_no_ssthresh_metrics_save ipv4.tcp_notsent_lowat ' +
  'ipv4.tcp_orphan_retries ipv4.tcp_pacing_ca_ratio ipv4.tcp_pacing_ss_ratio ipv4.tcp_pingpong_thresh ' +
  'ipv4.tcp_plb_cong_thresh ipv4.tcp_plb_enabled ipv4.tcp_plb_idle_rehash_rounds ' +
  'ipv4.tcp_plb_rehash_rounds ipv4.tcp_plb_suspend_rto_sec ipv4.tcp_probe_interval ' +
  'ipv4.tcp_probe_threshold ipv4.tcp_recovery ipv4.tcp_reflect_tos ipv4.tcp_reordering ' +
  'ipv4.tcp_retrans_collapse ipv4.tcp_retries1 ipv4.tcp_retries2 ipv4.tcp_rfc1337 ipv4.tcp_rmem ' +
  'ipv4.tcp_rto_max_ms ipv4.tcp_rto_min_us ipv4.tcp_sack ipv4.tcp_shrink_window ' +
  'ipv4.tcp_slow_start_after_idle ipv4.tcp_stdurg ipv4.tcp_syn_linear_timeouts ipv4.tcp_syn_retries ' +
  'ipv4.tcp_synack_retries ipv4.tcp_syncookies ipv4.tcp_thin_linear_timeouts ipv4.tcp_timestamps ' +
  'ipv4.tcp_tso_rtt_log ipv4.tcp_tso_win_divisor ipv4.tcp_tw_reuse ipv4.tcp_tw_reuse_delay ' +
  'ipv4.tcp_window_scaling ipv4.tcp_wmem ipv4.tcp_workaround_signed_windows ipv4.udp_child_hash_entries ' +
  'ipv4.udp_early_demux ipv4.udp_hash_entries ipv4.udp_l3mdev_accept ipv4.udp_rmem_min ipv4.udp_wmem_min ' +
  'ipv4.xfrm4_gc_thresh ipv6.anycast_src_echo_reply ipv6.auto_flowlabels ipv6.bindv6only ' +
  'ipv6.fib_multipath_hash_fields ipv6.fib_multipath_hash_policy ipv6.fib_notify_on_flag_change ' +
  'ipv6.flowlabel_consistency ipv6.flowlabel_reflect ipv6.flowlabel_state_ranges ipv6.fwmark_reflect ' +
  'ipv6.icmp.echo_ignore_all ipv6.icmp.echo_ignore_anycast ipv6.icmp.echo_ignore_multicast ' +
  'ipv6.icmp.error_anycast_as_unicast ipv6.icmp.ratelimit ipv6.icmp.ratemask ipv6.idgen_delay ' +
  'ipv6.idgen_retries ipv6.ioam6_id ipv6.ioam6_id_wide ipv6.ip6frag_high_thresh ipv6.ip6frag_low_thresh ' +
  'ipv6.ip6frag_time ipv6.ip_nonlocal_bind ipv6.max_dst_opts_length ipv6.max_dst_opts_number ' +
  'ipv6.max_hbh_length ipv6.max_hbh_opts_number ipv6.route.gc_elasticity ipv6.route.gc_interval ' +
  'ipv6.route.gc_min_interval ipv6.route.gc_min_interval_ms ipv6.route.gc_thresh ipv6.route.gc_timeout ' +
  'ipv6.route.max_size ipv6.route.min_adv_mss ipv6.route.mtu_expires ipv6.route.skip_notify_on_dev_down ' +
  'ipv6.seg6_flowlabel ipv6.xfrm6_gc_thresh mptcp.add_addr_timeout mptcp.allow_join_initial_addr_port ' +
  'mptcp.available_path_managers mptcp.available_schedulers mptcp.blackhole_timeout mptcp.checksum_enabled ' +
  'mptcp.close_timeout mptcp.enabled mptcp.path_manager mptcp.pm_type mptcp.scheduler mptcp.stale_loss_cnt ' +
  'mptcp.syn_retrans_before_tcp_fallback netfilter.nf_conntrack_acct netfilter.nf_conntrack_buckets ' +
  'netfilter.nf_conntrack_checksum netfilter.nf_conntrack_count netfilter.nf_conntrack_events ' +
  'netfilter.nf_conntrack_expect_max netfilter.nf_conntrack_frag6_high_thresh ' +
  'netfilter.nf_conntrack_frag6_low_thresh netfilter.nf_conntrack_frag6_timeout ' +
  'netfilter.nf_conntrack_generic_timeout netfilter.nf_conntrack_gre_timeout ' +
  'netfilter.nf_conntrack_gre_timeout_stream netfilter.nf_conntrack_icmp_timeout ' +
  'netfilter.nf_conntrack_icmpv6_timeout netfilter.nf_conntrack_log_invalid netfilter.nf_conntrack_max ' +
  'netfilter.nf_conntrack_sctp_timeout_closed netfilter.nf_conntrack_sctp_timeout_cookie_echoed ' +
  'netfilter.nf_conntrack_sctp_timeout_cookie_wait netfilter.nf_conntrack_sctp_timeout_established ' +
  'netfilter.nf_conntrack_sctp_timeout_heartbeat_sent ' +
  'netfilter.nf_conntrack_sctp_timeout_shutdown_ack_sent netfilter.nf_conntrack_sctp_timeout_shutdown_recd ' +
  'netfilter.nf_conntrack_sctp_timeout_shutdown_sent netfilter.nf_conntrack_tcp_be_liberal ' +
  'netfilter.nf_conntrack_tcp_ignore_invalid_rst netfilter.nf_conntrack_tcp_loose ' +
  'netfilter.nf_conntrack_tcp_max_retrans netfilter.nf_conntrack_tcp_timeout_close ' +
  'netfilter.nf_conntrack_tcp_timeout_close_wait netfilter.nf_conntrack_tcp_timeout_established ' +
  'netfilter.nf_conntrack_tcp_timeout_fin_wait netfilter.nf_conntrack_tcp_timeout_last_ack ' +
  'netfilter.nf_conntrack_tcp_timeout_max_retrans netfilter.nf_conntrack_tcp_timeout_syn_recv ' +
  'netfilter.nf_conntrack_tcp_timeout_syn_sent netfilter.nf_conntrack_tcp_timeout_time_wait ' +
  'netfilter.nf_conntrack_tcp_timeout_unacknowledged netfilter.nf_conntrack_timestamp ' +
  'netfilter.nf_conntrack_udp_timeout netfilter.nf_conntrack_udp_timeout_stream ' +
  'netfilter.nf_hooks_lwtunnel netfilter.nf_log.0 netfilter.nf_log.1 netfilter.nf_log.10 ' +
  'netfilter.nf_log.2 netfilter.nf_log.3 netfilter.nf_log.4 netfilter.nf_log.5 netfilter.nf_log.6 ' +
  'netfilter.nf_log.7 netfilter.nf_log.8 netfilter.nf_log.9 unix.max_dgram_qlen ');

/** Keys under net.ipv4.conf.{all,default,DEV}. */
export const KERNEL_CONF4_KEYS: ReadonlySet<string> = words(
  'accept_local accept_redirects accept_source_route arp_accept arp_announce arp_evict_nocarrier ' +
  'arp_filter arp_ignore arp_notify bc_forwarding bootp_relay disable_policy disable_xfrm ' +
  'drop_gratuitous_arp drop_unicast_in_l2_multicast force_igmp_version forwarding ' +
  'igmpv2_unsolicited_report_interval igmpv3_unsolicited_report_interval ignore_routes_with_linkdown ' +
  'log_martians mc_forwarding medium_id promote_secondaries proxy_arp proxy_arp_pvlan route_localnet ' +
  'rp_filter secure_redirects send_redirects shared_media src_valid_mark tag ');

/** Keys under net.ipv6.conf.{all,default,DEV}. */
export const KERNEL_CONF6_KEYS: ReadonlySet<string> = words(
  'accept_dad accept_ra accept_ra_defrtr accept_ra_from_local accept_ra_min_hop_limit accept_ra_min_lft ' +
  'accept_ra_mtu accept_ra_pinfo accept_ra_rt_info_max_plen accept_ra_rt_info_min_plen accept_ra_rtr_pref ' +
  'accept_redirects accept_source_route accept_untracked_na addr_gen_mode autoconf dad_transmits ' +
  'disable_ipv6 disable_policy drop_unicast_in_l2_multicast drop_unsolicited_na enhanced_dad ' +
  'force_forwarding force_mld_version force_tllao forwarding hop_limit ignore_routes_with_linkdown ' +
  'ioam6_enabled ioam6_id ioam6_id_wide keep_addr_on_down max_addresses max_desync_factor mc_forwarding ' +
  'mldv1_unsolicited_report_interval mldv2_unsolicited_report_interval mtu ndisc_evict_nocarrier ' +
  'ndisc_notify ndisc_tclass optimistic_dad proxy_ndp ra_defrtr_metric ra_honor_pio_life ' +
  'ra_honor_pio_pflag regen_max_retry regen_min_advance router_probe_interval router_solicitation_delay ' +
  'router_solicitation_interval router_solicitation_max_interval router_solicitations rpl_seg_enabled ' +
  'seg6_enabled seg6_require_hmac suppress_frag_ndisc temp_prefered_lft temp_valid_lft use_oif_addrs_only ' +
  'use_optimistic use_tempaddr ');

/** Keys under net.ipv4.neigh.DEV and net.ipv6.neigh.DEV (no `default` entry in a new namespace). */
export const KERNEL_NEIGH_KEYS: ReadonlySet<string> = words(
  'anycast_delay app_solicit base_reachable_time_ms delay_first_probe_time gc_stale_time ' +
  'interval_probe_time_ms locktime mcast_resolicit mcast_solicit proxy_delay proxy_qlen retrans_time_ms ' +
  'ucast_solicit unres_qlen unres_qlen_bytes ');

export function confKey(dev: string, key: string): string {
  return `net.ipv4.conf.${dev}.${key}`;
}

/** [key, net.ipv4.conf.all.KEY, net.ipv4.conf.default.KEY, fresh value] of each CONF_KEYS entry
 *  (built once: every namespace and device reads them). */
const CONF_SCOPED: ReadonlyArray<readonly [string, string, string, string]> =
  [...CONF_KEYS].map(([k, v]) => [k, confKey('all', k), confKey('default', k), v] as const);

/** A fresh namespace's sysctl entries, in the order they are listed: made once, copied per namespace. */
const NETNS_SYSCTL: ReadonlyMap<string, string> = new Map([
  ...GLOBAL_KEYS,
  ...CONF_SCOPED.map(([, all, , v]) => [all, v] as const),
  ...CONF_SCOPED.map(([, , def, v]) => [def, v] as const),
]);

/** A new namespace's sysctl map with the fresh-namespace values (a copy of one made once: 1,000
 *  namespaces made by a loop of sets also cost the optimizing compiler a job of its own). */
export function netnsSysctl(): Map<string, string> {
  return new Map(NETNS_SYSCTL);
}

/** Creates the per-device conf entries of a device that appears in `ns`, copied from conf.default. */
export function initDeviceSysctl(ns: NetnsConfig, dev: string): void {
  const prefix = 'net.ipv4.conf.' + dev + '.';
  for (const [k, , def, v] of CONF_SCOPED) ns.sysctl.set(prefix + k, ns.sysctl.get(def) ?? v);
}

/** Removes a device's conf entries (device deleted or moved to another namespace). */
export function dropDeviceSysctl(ns: NetnsConfig, dev: string): void {
  for (const k of CONF_KEYS.keys()) ns.sysctl.delete(confKey(dev, k));
}
