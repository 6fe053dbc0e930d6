package io.corral.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.it.support.AgentClient;
import io.corral.it.support.AgentProcess;
import io.corral.it.support.Host;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A root agent with default flags under abuse on loopback: 500 connections that send their
 * request a byte a second, and 10,000 requests with bad credentials from 4 threads, while a
 * well-behaved client launches, waits for and removes containers. Every bad request gets 401,
 * every good call succeeds, and the agent stays up. Bounded: the bad requests are counted, the
 * slow connections are closed when the good client is done.
 */
@Tag("root")
class AbusiveClientsIT {
  private static final int SLOW_CONNECTIONS = 500;
  private static final int BAD_REQUESTS = 10_000;
  private static final int BAD_THREADS = 4;
  private static final int GOOD_CYCLES = 5;
  private static AgentProcess agent;

  @BeforeAll
  static void start() {
    assumeTrue(Host.isRoot(), "needs root: the agent launches containers in namespaces");
    agent = AgentProcess.start();
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void slowAndBadClientsDoNotStopAWellBehavedOne() throws Exception {
    int port = Integer.parseInt(agent.baseUri().substring(agent.baseUri().lastIndexOf(':') + 1));
    List<Socket> slow = new ArrayList<>();
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    ExecutorService bad = Executors.newFixedThreadPool(BAD_THREADS);
    try {
      for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        slow.add(new Socket("127.0.0.1", port));
      }
      byte[] request = "POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          .getBytes(StandardCharsets.US_ASCII);
      AtomicInteger sent = new AtomicInteger();
      trickle.scheduleAtFixedRate(() -> {
        int at = sent.getAndIncrement() % request.length;
        for (Socket s : slow) {
          try {
            OutputStream out = s.getOutputStream();
            out.write(request[at]);
            out.flush();
          } catch (IOException closedByTheAgent) {
            // The agent may drop a slow connection: that is allowed.
          }
        }
      }, 0, 1, TimeUnit.SECONDS);

      AgentClient wrong = agent.client().withAuthorization(AgentClient.basic("corral", "guess"));
      AtomicInteger unauthorized = new AtomicInteger();
      List<Future<?>> floods = new ArrayList<>();
      for (int t = 0; t < BAD_THREADS; t++) {
        floods.add(bad.submit(() -> {
          for (int i = 0; i < BAD_REQUESTS / BAD_THREADS; i++) {
            if (wrong.postJson(AgentClient.launchJson("bad-" + i, "true")).statusCode() == 401) {
              unauthorized.incrementAndGet();
            }
          }
        }));
      }

      AgentClient good = agent.client();
      for (int i = 0; i < GOOD_CYCLES; i++) {
        String id = "good-" + i;
        assertEquals(200, good.launch(id, "exit 3"), agent.logTail());
        assertEquals(3 << 8, good.waitFor(id).getExitStatus());
        assertEquals(200, good.remove(id));
      }
      for (Future<?> flood : floods) {
        flood.get(5, TimeUnit.MINUTES);
      }
      assertEquals(BAD_REQUESTS, unauthorized.get(), "every bad request got 401");
      assertTrue(good.healthy(), "the agent still answers");
      assertEquals(0, good.containers().size(), "no bad request launched anything");
      assertTrue(agent.isAlive());
    } finally {
      trickle.shutdownNow();
      bad.shutdownNow();
      for (Socket s : slow) {
        s.close();
      }
    }
  }
}
