package io.corral.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where a flag's value comes from besides the command line, as stout's flags load them: the
 * environment, and {@code file://} values.
 *
 * <ul>
 *   <li>Every flag {@code --name} is also read from {@code CORRAL_NAME} or {@code MESOS_NAME}
 *       (the name after the prefix in upper or lower case, as stout accepts). The precedence is
 *       the command line, then {@code CORRAL_}, then {@code MESOS_}, then the flag's default.
 *   <li>A value {@code file://PATH}, on the command line ({@code --name=file://PATH}) or in the
 *       environment, is replaced by the contents of {@code PATH} (without one trailing newline),
 *       as stout's {@code fetch} does; for a flag that takes a path (its type is {@code Path})
 *       the value is {@code PATH} itself, as stout's {@code Path} fetcher does. A flag whose own
 *       help says it takes {@code file://} (the JSON and credentials flags) reads the file
 *       itself, so its value is left as given: a secret never becomes a flag value shown in
 *       {@code /flags}.
 * </ul>
 *
 * <p>Used on the main thread while picocli parses.
 */
final class FlagSources implements IDefaultValueProvider {
  /** The environment prefixes, the first winning. */
  static final List<String> PREFIXES = List.of("CORRAL_", "MESOS_");
  static final String FILE = "file://";

  private final Map<String, String> environment;

  FlagSources(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /** The help section naming the variables, for the usage of the commands that take flags. */
  static String[] helpLines() {
    return new String[] {
        "  Every flag --name may also be set by the environment variable CORRAL_NAME or",
        "  MESOS_NAME (e.g. MESOS_WORK_DIR=/var/lib/corral). The command line wins, then",
        "  CORRAL_*, then MESOS_*, then the default. A value file:///path is read from that",
        "  file (for a path flag it is the path); see docs/operator-guide.md."};
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    for (String prefix : PREFIXES) {
      for (String name : option.names()) {
        Optional<String> value = variable(prefix, name.replaceFirst("^-+", ""));
        if (value.isPresent()) {
          String flag = name.replaceFirst("^-+", "");
          return expand(option, value.get(),
              "'" + flag + "' from " + prefix + flag.toUpperCase(Locale.ROOT));
        }
      }
    }
    return null;
  }

  private Optional<String> variable(String prefix, String flag) {
    return variable(environment, prefix, flag);
  }

  private static Optional<String> variable(Map<String, String> env, String prefix, String flag) {
    String upper = env.get(prefix + flag.toUpperCase(Locale.ROOT));
    return Optional.ofNullable(upper != null ? upper : env.get(prefix + flag));
  }

  /** Whether {@code env} sets the flag {@code name} (without dashes) under either prefix. */
  static boolean inEnvironment(Map<String, String> env, String name) {
    return PREFIXES.stream().anyMatch(p -> variable(env, p, name).isPresent());
  }

  /**
   * {@code args} with every {@code --name=file://PATH} of a flag of the subcommand they run
   * expanded as the class comment says; the arguments from the first one that is not a flag
   * (the command of {@code corral run}) or {@code --} on are left alone.
   *
   * @throws StartupException {@code Failed to load flag 'name': Error reading file 'PATH': ...}
   */
  static String[] expandFileValues(CommandLine cli, String... args) {
    List<String> out = new ArrayList<>(List.of(args));
    CommandSpec spec = null;
    for (int i = 0; i < out.size(); i++) {
      String arg = out.get(i);
      if (spec == null) {
        CommandLine sub = cli.getSubcommands().get(arg);
        if (sub != null) {
          spec = sub.getCommandSpec();
        }
        continue;
      }
      if (arg.equals("--") || !arg.startsWith("--")) {
        break;
      }
      int eq = arg.indexOf('=');
      if (eq < 0 || !arg.startsWith(FILE, eq + 1)) {
        continue;
      }
      OptionSpec option = spec.findOption(arg.substring(0, eq));
      if (option != null) {
        out.set(i, arg.substring(0, eq + 1)
            + expand(option, arg.substring(eq + 1), "'" + arg.substring(2, eq) + "'"));
      }
    }
    return out.toArray(String[]::new);
  }

  /** The value {@code value} of {@code option} stands for; {@code from} names its source. */
  static String expand(OptionSpec option, String value, String from) {
    if (!value.startsWith(FILE) || takesFileItself(option)) {
      return value;
    }
    String path = value.substring(FILE.length());
    if (option.type() == Path.class) {
      return path;
    }
    try {
      String text = Files.readString(Path.of(path));
      return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    } catch (IOException e) {
      throw new StartupException("Failed to load flag " + from + ": Error reading file '" + path
          + "': " + (e instanceof NoSuchFileException ? "No such file or directory"
              : Directories.describe(e)), e);
    }
  }

  /**
   * Whether the flag's own help (its annotation's text, not the rendered description, which
   * would ask this provider for the default again) says it takes {@code file://}.
   */
  private static boolean takesFileItself(OptionSpec option) {
    return option.userObject() instanceof java.lang.reflect.Field field
        && field.isAnnotationPresent(CommandLine.Option.class)
        && String.join(" ", field.getAnnotation(CommandLine.Option.class).description())
            .contains(FILE);
  }
}
