package io.prefstream.model.chat;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} on Linux (glibc, C locale), which transformers exposes to chat
 * templates as {@code strftime_now} (Llama 3.1 writes {@code strftime_now("%d %b %Y")}, e.g. {@code 26 Jul 2024}).
 * {@code datetime.now()} is naive local time, so {@code %z} and {@code %Z} are empty. glibc's {@code -} flag
 * ({@code %-d}) drops padding and {@code _} pads with spaces; an unknown directive is copied as it is.
 */
final class Strftime {

    private Strftime() {}

    /** The clock's local date and time in {@code format}. */
    static String format(Clock clock, String format) {
        return format(LocalDateTime.now(clock), format);
    }

    static String format(LocalDateTime t, String format) {
        var out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            int start = i;
            char flag = 0;
            char d = format.charAt(++i);
            if ((d == '-' || d == '_' || d == '0') && i + 1 < format.length()) {
                flag = d;
                d = format.charAt(++i);
            }
            String field = directive(t, d, flag);
            out.append(field != null ? field : format.substring(start, i + 1));
        }
        return out.toString();
    }

    private static String directive(LocalDateTime t, char d, char flag) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'C' -> number(t.getYear() / 100, 2, '0', flag);
            case 'd' -> number(t.getDayOfMonth(), 2, '0', flag);
            case 'D' -> format(t, "%m/%d/%y");
            case 'e' -> number(t.getDayOfMonth(), 2, ' ', flag);
            case 'f' -> number(t.getNano() / 1000, 6, '0', flag);
            case 'F' -> format(t, "%Y-%m-%d");
            case 'G' -> String.valueOf(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'H' -> number(t.getHour(), 2, '0', flag);
            case 'I' -> number(hour12, 2, '0', flag);
            case 'j' -> number(t.getDayOfYear(), 3, '0', flag);
            case 'k' -> number(t.getHour(), 2, ' ', flag);
            case 'l' -> number(hour12, 2, ' ', flag);
            case 'm' -> number(t.getMonthValue(), 2, '0', flag);
            case 'M' -> number(t.getMinute(), 2, '0', flag);
            case 'n' -> "\n";
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'R' -> format(t, "%H:%M");
            case 'S' -> number(t.getSecond(), 2, '0', flag);
            case 't' -> "\t";
            case 'T' -> format(t, "%H:%M:%S");
            case 'u' -> String.valueOf(t.getDayOfWeek().getValue());
            case 'U' -> number((t.getDayOfYear() + 6 - t.getDayOfWeek().getValue() % 7) / 7, 2, '0', flag);
            case 'V' -> number(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, '0', flag);
            case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
            case 'W' -> number((t.getDayOfYear() + 7 - t.get(ChronoField.DAY_OF_WEEK)) / 7, 2, '0', flag);
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 'y' -> number(t.getYear() % 100, 2, '0', flag);
            case 'Y' -> String.valueOf(t.getYear());
            case 'z', 'Z' -> "";
            case '%' -> "%";
            default -> null;
        };
    }

    private static String number(int value, int width, char pad, char flag) {
        String digits = String.valueOf(value);
        if (flag == '-') {
            return digits;
        }
        char padding = flag == '_' ? ' ' : flag == '0' ? '0' : pad;
        return String.valueOf(padding).repeat(Math.max(0, width - digits.length())) + digits;
    }
}
