package io.prefstream.labeler.http;

import java.time.Duration;
import java.util.function.Predicate;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The labeling page as a test sees it. */
final class UiPage {

    private final WebDriver driver;
    private final WebDriverWait wait;

    UiPage(WebDriver driver) {
        this.driver = driver;
        this.wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    String prompt() {
        return text("prompt");
    }

    String completionA() {
        return text("completion-a");
    }

    String completionB() {
        return text("completion-b");
    }

    void awaitCompletions() {
        wait.until(d -> !completionA().isEmpty() && !completionB().isEmpty());
    }

    void awaitCompletionA(Predicate<String> condition) {
        wait.until(d -> condition.test(completionA()));
    }

    void awaitStatus(String prefix) {
        wait.until(d -> text("status").startsWith(prefix));
    }

    void awaitText(String id, String prefix) {
        try {
            wait.until(d -> text(id).startsWith(prefix));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("#" + id + " should start with '" + prefix + "' but shows '" + text(id) + "'", e);
        }
    }

    void awaitRemaining(String prefix) {
        wait.until(d -> text("remaining").startsWith(prefix));
    }

    void click(String id) {
        driver.findElement(By.id(id)).click();
    }

    void press(String key) {
        new Actions(driver)
                .sendKeys(driver.findElement(By.tagName("body")), key)
                .perform();
    }

    Object script(String js) {
        return ((JavascriptExecutor) driver).executeScript(js);
    }
}
