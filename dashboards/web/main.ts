/**
 * @module dashboards/web/main
 * Entry point of the browser bundle (built by dashboards/server/bundle.ts).
 */
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import './pages.css'
import './alerts.css'
import { startApp } from './app.ts'

startApp(document.body)
