package io.prefstream.labeler.http;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven by the system's chromedriver. Skips the calling test (a JUnit assumption,
 * never a failure) when {@code /usr/bin/chromium} or {@code /usr/bin/chromedriver} is missing; CI
 * installs both. The flags keep Chromium from reaching for the (closed) network at start.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BROWSER = Path.of(System.getProperty("prefstream.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("prefstream.chromedriver", "/usr/bin/chromedriver"));

    /** Selenium logs through java.util.logging; its CDP-version notice is noise here. Held so the level sticks. */
    private static final java.util.logging.Logger SELENIUM_LOG =
            java.util.logging.Logger.getLogger("org.openqa.selenium");

    private final WebDriver driver;

    private HeadlessChromium(WebDriver driver) {
        this.driver = driver;
    }

    static HeadlessChromium startOrSkip(Path profileDir) throws Exception {
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
        Assumptions.assumeTrue(
                Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                "Chromium UI test skipped: " + BROWSER + " or " + DRIVER + " is not installed");
        Files.createDirectories(profileDir);
        var options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profileDir.toAbsolutePath(),
                "--window-size=1280,900");
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER.toString()))
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30))
                .build();
        var driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new HeadlessChromium(driver);
    }

    WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
