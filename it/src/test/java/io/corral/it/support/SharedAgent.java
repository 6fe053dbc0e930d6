package io.corral.it.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One agent for every test of a class ({@code @RegisterExtension static final SharedAgent}):
 * started with the flags before the first test, as root only (elsewhere the class is skipped,
 * naming why), and closed after the last. Each test removes the containers it launched.
 */
public final class SharedAgent implements BeforeAllCallback, AfterAllCallback {
  private final String[] flags;
  private AgentProcess agent;

  private SharedAgent(String[] flags) {
    this.flags = flags.clone();
  }

  /** An agent started with these flags (see {@link AgentProcess#start(String...)}). */
  public static SharedAgent with(String... flags) {
    return new SharedAgent(flags);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    assumeTrue(Host.isRoot(), "needs root: real namespaces");
    agent = AgentProcess.start(flags);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  public AgentProcess agent() {
    return agent;
  }

  public AgentClient client() {
    return agent.client();
  }
}
