package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// style gives each strategy the same colour and dash in every figure;
// s3conflict is the thick black line.
func style(name string) draw.LineStyle {
	colors := map[string]color.Color{
		"none":       color.RGBA{R: 150, G: 150, B: 150, A: 255},
		"sdk":        color.RGBA{R: 31, G: 119, B: 180, A: 255},
		"sdk-10":     color.RGBA{R: 23, G: 190, B: 207, A: 255},
		"naive":      color.RGBA{R: 255, G: 127, B: 14, A: 255},
		"terraform":  color.RGBA{R: 148, G: 103, B: 189, A: 255},
		"s3conflict": color.Black,
	}
	s := draw.LineStyle{Color: colors[name], Width: vg.Points(1.3)}
	if name == "s3conflict" {
		s.Width = vg.Points(2.6)
	}
	if name == "none" || name == "sdk-10" {
		s.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return s
}

// newPlot returns a plot in the report's style; its legend is drawn beside
// it by save.
func newPlot(title, x, y string) *plot.Plot {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.Add(plotter.NewGrid())
	return p
}

// ticks marks every step with a plain number.
func ticks(step float64) plot.TickerFunc {
	return func(lo, hi float64) []plot.Tick {
		var out []plot.Tick
		for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
			out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
		return out
	}
}

// newLegend returns a legend drawn beside the plots: thumbnails first, so
// that a viewer's font of another width never runs text into a line.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(11)
	l.ThumbnailWidth = vg.Points(26)
	l.Padding = vg.Points(5)
	return l
}

// save draws plots side by side, their legend to the right, above a
// caption, and writes an SVG.
func save(path, caption string, width vg.Length, legend plot.Legend, plots ...*plot.Plot) error {
	const height = 4.6 * vg.Inch
	c := vgsvg.New(width, height)
	dc := draw.New(c)
	capSty := plots[0].X.Label.TextStyle
	capSty.Font.Size = vg.Points(9)
	capSty.Color = color.Gray{Y: 80}
	capSty.XAlign = draw.XCenter
	dc.FillText(capSty, vg.Point{X: width / 2, Y: vg.Points(6)}, caption)
	const legendWidth = 1.7 * vg.Inch
	area := draw.Crop(dc, 0, -legendWidth, vg.Points(22), 0)
	legend.Draw(draw.Crop(dc, width-legendWidth+vg.Points(8), 0, vg.Points(22), -vg.Points(30)))
	tiles := plot.Align([][]*plot.Plot{plots}, draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(24),
		PadLeft: vg.Points(4), PadRight: vg.Points(8), PadTop: vg.Points(6)}, area)
	for i, p := range plots {
		p.Draw(tiles[0][i])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// drawLoad draws requests per 100 ms over time during the drawn storm.
func drawLoad(d sweepData, path, caption string) error {
	p := newPlot(fmt.Sprintf("Requests per 100 ms: %d callers, OperationAborted for the first %g s", seriesCallers, seriesWindow.Seconds()),
		"time since the storm began (s)", "requests in the 100 ms slice")
	legend := newLegend()
	end := 0.0
	for _, c := range d.Cells {
		if c.Callers != seriesCallers || c.Window != seriesWindow || len(c.Series) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(c.Series)+1)
		for i, n := range c.Series {
			pts[i] = plotter.XY{X: float64(i) * 0.1, Y: float64(n)}
		}
		pts[len(c.Series)] = plotter.XY{X: float64(len(c.Series)) * 0.1, Y: 0}
		end = max(end, float64(len(c.Series))*0.1)
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.LineStyle = style(c.Strategy)
		p.Add(l)
		legend.Add(c.Strategy, l)
	}
	stormEnd, err := plotter.NewLine(plotter.XYs{{X: seriesWindow.Seconds(), Y: 0}, {X: seriesWindow.Seconds(), Y: float64(seriesCallers)}})
	if err != nil {
		return err
	}
	stormEnd.LineStyle = draw.LineStyle{Color: color.RGBA{R: 200, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	p.Add(stormEnd)
	legend.Add("storm ends", stormEnd)
	p.X.Min, p.X.Max = 0, end+0.2
	p.Y.Min, p.Y.Max = 0, float64(seriesCallers)+2
	p.X.Tick.Marker, p.Y.Tick.Marker = ticks(1), ticks(10)
	return save(path, caption, 10*vg.Inch, legend, p)
}

// drawSweep draws p99 overshoot and requests per caller against W, 50
// callers, with the overshoot goal.
func drawSweep(d sweepData, path, caption string) error {
	succ := newPlot("Callers that succeeded", "storm length W (s)", "success (%)")
	over := newPlot("p99 time from the storm's end to success", "storm length W (s)", "p99 overshoot of those (s)")
	reqs := newPlot("Requests per caller", "storm length W (s)", "requests per caller")
	legend := newLegend()
	var names []string
	for _, c := range d.Cells {
		if c.Callers == 50 && c.Window == sweepWindows[0] {
			names = append(names, c.Strategy)
		}
	}
	for _, name := range names {
		var o, r, ok plotter.XYs
		for _, c := range d.Cells {
			if c.Callers != 50 || c.Strategy != name {
				continue
			}
			w := c.Window.Seconds()
			r = append(r, plotter.XY{X: w, Y: median(c, func(x run) float64 { return x.Requests })})
			succeeded := median(c, func(x run) int { return x.Succeeded })
			ok = append(ok, plotter.XY{X: w, Y: 100 * float64(succeeded) / float64(c.Callers)})
			if succeeded > 0 {
				o = append(o, plotter.XY{X: w, Y: median(c, func(x run) time.Duration { return x.P99 }).Seconds()})
			}
		}
		for _, pl := range []struct {
			p   *plot.Plot
			pts plotter.XYs
		}{{succ, ok}, {over, o}, {reqs, r}} {
			if len(pl.pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pl.pts)
			if err != nil {
				return err
			}
			l.LineStyle = style(name)
			s.Color = l.LineStyle.Color
			s.Radius = vg.Points(2)
			pl.p.Add(l, s)
			if pl.p == reqs {
				legend.Add(name, l, s)
			}
		}
	}
	var goal plotter.XYs
	for _, w := range sweepWindows {
		goal = append(goal, plotter.XY{X: w.Seconds(), Y: 0.3*w.Seconds() + 0.5})
	}
	g, err := plotter.NewLine(goal)
	if err != nil {
		return err
	}
	g.LineStyle = draw.LineStyle{Color: color.RGBA{R: 200, A: 255}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	over.Add(g)
	legend.Add("overshoot goal", g)
	legend.Add("(0.3·W + 0.5 s)")
	succ.Y.Min, succ.Y.Max, over.Y.Min, reqs.Y.Min = 0, 102, 0, 0
	succ.X.Tick.Marker, over.X.Tick.Marker, reqs.X.Tick.Marker = ticks(4), ticks(4), ticks(4)
	succ.Y.Tick.Marker, over.Y.Tick.Marker, reqs.Y.Tick.Marker = ticks(20), ticks(2), ticks(2)
	return save(path, caption, 15*vg.Inch, legend, succ, over, reqs)
}
