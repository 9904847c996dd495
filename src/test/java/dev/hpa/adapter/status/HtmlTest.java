package dev.hpa.adapter.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlTest {

    @Test
    void escapesWhatEndsTextOrAQuotedAttribute() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;",
                Html.escape("<script>alert(\"x\" & 'y')</script>"));
        assertEquals("a\uFFFDb\uFFFDc\td\ne", Html.escape("a\u001bb\u007fc\td\ne"));
        String plain = "torchserve-predictor-7twvf";
        assertSame(plain, Html.escape(plain)); // the common case copies nothing
    }

    @Test
    void attributesAreQuotedAndEscaped() {
        String html = new Html().raw("<p").attribute("data-pod", "x\" onmouseover=\"alert(1)").raw(">")
                .text("</p><script>").toString();
        assertEquals("<p data-pod=\"x&quot; onmouseover=&quot;alert(1)\">&lt;/p&gt;&lt;script&gt;", html);
    }

    @Test
    void aChartHasALinePerRunOfValuesNamedAsItsSeries() {
        double nan = Double.NaN;
        Html html = new Html();
        LineChart.render(html, "concurrency", "", "last 60 s", List.of(
                new LineChart.Series("a<b", new double[] {1, 2, nan, 4, 5}),
                new LineChart.Series("lone", new double[] {nan, nan, nan, nan, 3})));
        String svg = html.toString();
        Matcher lines = Pattern.compile("<polyline [^>]*data-series=\"([^\"]*)\"[^>]*points=\"([^\"]*)\"").matcher(svg);
        List<String> found = lines.results().map(m -> m.group(1) + " " + m.group(2)).toList();
        // x: 5 points over 240 px; y: 63 px for 0 up to 12 px for the largest value, 5
        assertEquals(List.of(
                "a&lt;b 0.0,52.8 60.0,42.6",   // a gap at the NaN: two lines
                "a&lt;b 180.0,22.2 240.0,12.0",
                "lone 237.0,32.4 240.0,32.4"), // one point: a short dash, so that it shows
                found, svg);
        assertTrue(svg.contains("data-last=\"5\""), svg);
        assertTrue(svg.contains("data-mean=\"3\""), svg);
        assertFalse(svg.contains("a<b"), svg);
    }

    @Test
    void valuesReadAsAPersonReadsThem() {
        assertEquals("3", LineChart.format(3));
        assertEquals("49.2", LineChart.format(49.2345));
        assertEquals("2.67", LineChart.format(8 / 3.0));
        assertEquals("0.125", LineChart.format(0.125));
        assertEquals("1235", LineChart.format(1234.6));
        assertEquals("-", LineChart.format(Double.NaN));
    }
}
