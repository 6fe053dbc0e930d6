package io.corral.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CNI networks for the ITs, on Debian's real plugins ({@code /usr/lib/cni}): bridges whose names
 * begin with {@code cni-t}, on private subnets {@code 10.199.N.0/24} that exist only between the
 * test's own namespaces and bridges (no masquerading, nothing routed out), host-local leases in a
 * directory of the fixture's, and test plugin scripts. {@link #close()} removes the bridges and
 * the directories, restores {@code net.ipv4.ip_forward} (the bridge plugin sets it) and deletes
 * the iptables rules and chains that appeared meanwhile (portmap's), even after a failure.
 */
public final class CniFixture implements AutoCloseable {
  public static final Path PLUGINS = Path.of("/usr/lib/cni");
  private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

  private final Path dir;
  private final String ipForward;
  private final List<String> natBefore;
  private final List<String> filterBefore;
  private final List<String> bridges = new ArrayList<>();

  public CniFixture() {
    try {
      dir = Files.createTempDirectory("corral-cni-it-");
      Files.createDirectories(configDir());
      Files.createDirectories(scriptDir());
      ipForward = Files.readString(IP_FORWARD).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    natBefore = rules("nat");
    filterBefore = rules("filter");
  }

  /** Whether the plugins this fixture uses are installed. */
  public static boolean available() {
    return Files.isExecutable(PLUGINS.resolve("bridge")) && Files.isExecutable(PLUGINS.resolve("host-local"))
        && Files.isExecutable(PLUGINS.resolve("portmap"));
  }

  public Path configDir() {
    return dir.resolve("net.d");
  }

  public Path scriptDir() {
    return dir.resolve("plugins");
  }

  /** Where host-local keeps its leases, per network. */
  public Path leases(String network) {
    return dir.resolve("ipam").resolve(network);
  }

  /** The agent flags for this fixture's networks. */
  public String[] flags(String isolation, String... more) {
    List<String> flags = new ArrayList<>(List.of(isolation, "--network_cni_config_dir=" + configDir(),
        "--network_cni_plugins_dir=" + PLUGINS + ":" + scriptDir(), "--network_cni_plugin_timeout=3secs"));
    flags.addAll(List.of(more));
    return flags.toArray(String[]::new);
  }

  /** The bridge plugin's JSON for a bridge on 10.199.{subnet}.0/24. */
  public String bridgePlugin(String bridge, int subnet, String network) {
    bridges.add(bridge);
    return "{\"type\":\"bridge\",\"bridge\":\"" + bridge + "\",\"isGateway\":true,\"ipMasq\":false,"
        + "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"" + dir.resolve("ipam") + "\","
        + "\"ranges\":[[{\"subnet\":\"10.199." + subnet + ".0/24\"}]],"
        + "\"routes\":[{\"dst\":\"10.199.0.0/16\",\"gw\":\"10.199." + subnet + ".1\"}]}}";
  }

  /** Writes a network configuration file. */
  public void config(String file, String json) {
    write(configDir().resolve(file), json, "rw-r--r--");
  }

  /** Writes an executable test plugin (a shell script). */
  public void script(String name, String body) {
    write(scriptDir().resolve(name), "#!/bin/sh\n" + body + "\n", "rwxr-xr-x");
  }

  private static void write(Path file, String content, String mode) {
    try {
      Files.writeString(file, content);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The veths enslaved to a bridge. */
  public static Set<String> veths(String bridge) {
    Commands.Result r = Commands.run("ip", "-o", "link", "show", "master", bridge);
    return r.out().lines().filter(l -> !l.isBlank()).collect(Collectors.toSet());
  }

  /** The leases host-local holds for a network (its lock and last-reserved files aside). */
  public Set<String> leaseFiles(String network) {
    return Host.entries(leases(network)).stream()
        .filter(n -> !n.equals("lock") && !n.startsWith("last_reserved_ip")).collect(Collectors.toSet());
  }

  /** The iptables rules of a table now that were not there when the fixture was made. */
  public List<String> newRules(String table) {
    List<String> before = table.equals("nat") ? natBefore : filterBefore;
    return rules(table).stream().filter(r -> !before.contains(r)).toList();
  }

  private static List<String> rules(String table) {
    Commands.Result r = Commands.run("iptables", "-t", table, "-S");
    return r.exit() == 0 ? r.out().lines().toList() : List.of();
  }

  /** Deletes the added rules by their numbers in their chains, the last first (comments hold spaces). */
  private static void deleteRules(String table, List<String> added) {
    List<String> all = rules(table);
    for (int i = all.size() - 1; i >= 0; i--) {
      String rule = all.get(i);
      if (rule.startsWith("-A ") && added.contains(rule)) {
        String chain = rule.split(" ")[1];
        long number = all.subList(0, i + 1).stream().filter(r -> r.startsWith("-A " + chain + " ")).count();
        Commands.run("iptables", "-t", table, "-D", chain, Long.toString(number));
      }
    }
  }

  @Override
  public void close() {
    for (String bridge : bridges.stream().distinct().toList()) {
      Commands.run("ip", "link", "del", bridge);
    }
    for (String table : List.of("nat", "filter")) {
      List<String> added = newRules(table);
      deleteRules(table, added);
      List<String> chains = added.stream().filter(r -> r.startsWith("-N ")).map(r -> r.substring(3)).toList();
      chains.forEach(c -> Commands.run("iptables", "-t", table, "-F", c));
      chains.forEach(c -> Commands.run("iptables", "-t", table, "-X", c));
    }
    try {
      Files.writeString(IP_FORWARD, ipForward);
      Commands.run("rm", "-rf", dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
