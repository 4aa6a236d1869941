#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 8502:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _SingleBar = __nccwpck_require__(2176);
const _MultiBar = __nccwpck_require__(9307);
const _Presets = __nccwpck_require__(1921);
const _Formatter = __nccwpck_require__(4740);
const _defaultFormatValue = __nccwpck_require__(8023);
const _defaultFormatBar = __nccwpck_require__(5563);
const _defaultFormatTime = __nccwpck_require__(9061);

// sub-module access
module.exports = {
    Bar: _SingleBar,
    SingleBar: _SingleBar,
    MultiBar: _MultiBar,
    Presets: _Presets,
    Format: {
        Formatter: _Formatter,
        BarFormat: _defaultFormatBar,
        ValueFormat: _defaultFormatValue,
        TimeFormat: _defaultFormatTime
    }
};

/***/ }),

/***/ 4250:
/***/ ((module) => {


// ETA calculation
class ETA{

    constructor(length, initTime, initValue){
        // size of eta buffer
        this.etaBufferLength = length || 100;

        // eta buffer with initial values
        this.valueBuffer = [initValue];
        this.timeBuffer = [initTime];

        // eta time value
        this.eta = '0';
    }

    // add new values to calculation buffer
    update(time, value, total){
        this.valueBuffer.push(value);
        this.timeBuffer.push(time);

        // trigger recalculation
        this.calculate(total-value);
    }

    // fetch estimated time
    getTime(){
        return this.eta;
    }

    // eta calculation - request number of remaining events
    calculate(remaining){
        // get number of samples in eta buffer
        const currentBufferSize = this.valueBuffer.length;
        const buffer = Math.min(this.etaBufferLength, currentBufferSize);

        const v_diff = this.valueBuffer[currentBufferSize - 1] - this.valueBuffer[currentBufferSize - buffer];
        const t_diff = this.timeBuffer[currentBufferSize - 1] - this.timeBuffer[currentBufferSize - buffer];

        // get progress per ms
        const vt_rate = v_diff/t_diff;

        // strip past elements
        this.valueBuffer = this.valueBuffer.slice(-this.etaBufferLength);
        this.timeBuffer  = this.timeBuffer.slice(-this.etaBufferLength);

        // eq: vt_rate *x = total
        const eta = Math.ceil(remaining/vt_rate/1000);

        // check values
        if (isNaN(eta)){
            this.eta = 'NULL';

        // +/- Infinity --- NaN already handled
        }else if (!isFinite(eta)){
            this.eta = 'INF';

        // > 10M s ? - set upper display limit ~115days (1e7/60/60/24)
        }else if (eta > 1e7){
            this.eta = 'INF';

        // negative ?
        }else if (eta < 0){
            this.eta = 0;

        }else{
            // assign
            this.eta = eta;
        }
    }
}

module.exports = ETA;

/***/ }),

/***/ 5563:
/***/ ((module) => {

// format bar
module.exports = function formatBar(progress, options){
    // calculate barsize
    const completeSize = Math.round(progress*options.barsize);
    const incompleteSize = options.barsize-completeSize;

   // generate bar string by stripping the pre-rendered strings
   return   options.barCompleteString.substr(0, completeSize) +
            options.barGlue +
            options.barIncompleteString.substr(0, incompleteSize);
}

/***/ }),

/***/ 9061:
/***/ ((module) => {

// default time format

// format a number of seconds into hours and minutes as appropriate
module.exports = function formatTime(t, options, roundToMultipleOf){
    function round(input) {
        if (roundToMultipleOf) {
            return roundToMultipleOf * Math.round(input / roundToMultipleOf);
        } else {
            return input
        }
    }

    // leading zero padding
    function autopadding(v){
        return (options.autopaddingChar + v).slice(-2);
    }

    // > 1h ?
    if (t > 3600) {
        return autopadding(Math.floor(t / 3600)) + 'h' + autopadding(round((t % 3600) / 60)) + 'm';

    // > 60s ?
    } else if (t > 60) {
        return autopadding(Math.floor(t / 60)) + 'm' + autopadding(round((t % 60))) + 's';

    // > 10s ?
    } else if (t > 10) {
        return autopadding(round(t)) + 's';

    // default: don't apply round to multiple
    }else{
        return autopadding(t) + 's';
    }
}

/***/ }),

/***/ 8023:
/***/ ((module) => {

// default value format (apply autopadding)

// format valueset
module.exports = function formatValue(v, options, type){
    // no autopadding ? passthrough
    if (options.autopadding !== true){
        return v;
    }

    // padding
    function autopadding(value, length){
        return (options.autopaddingChar + value).slice(-length);
    }

    switch (type){
        case 'percentage':
            return autopadding(v, 3);

        default:
            return v;
    }
}

/***/ }),

/***/ 4740:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _stringWidth = __nccwpck_require__(60);
const _defaultFormatValue = __nccwpck_require__(8023);
const _defaultFormatBar = __nccwpck_require__(5563);
const _defaultFormatTime = __nccwpck_require__(9061);

// generic formatter
module.exports = function defaultFormatter(options, params, payload){

    // copy format string
    let s = options.format;

    // custom time format set ?
    const formatTime = options.formatTime || _defaultFormatTime;
    
    // custom value format set ?
    const formatValue = options.formatValue || _defaultFormatValue;

    // custom bar format set ?
    const formatBar = options.formatBar || _defaultFormatBar;

    // calculate progress in percent
    const percentage =  Math.floor(params.progress*100) + '';

    // bar stopped and stopTime set ?
    const stopTime = params.stopTime || Date.now();

    // calculate elapsed time
    const elapsedTime = Math.round((stopTime - params.startTime)/1000);

    // merges data from payload and calculated
    const context = Object.assign({}, payload, {
        bar:                    formatBar(params.progress, options),

        percentage:             formatValue(percentage, options, 'percentage'),
        total:                  formatValue(params.total, options, 'total'),
        value:                  formatValue(params.value, options, 'value'),

        eta:                    formatValue(params.eta, options, 'eta'),
        eta_formatted:          formatTime(params.eta, options, 5),
        
        duration:               formatValue(elapsedTime, options, 'duration'),
        duration_formatted:     formatTime(elapsedTime, options, 1)
    });

    // assign placeholder tokens
    s = s.replace(/\{(\w+)\}/g, function(match, key){
        // key exists within payload/context
        if (typeof context[key] !== 'undefined') {
            return context[key];
        }

        // no changes to unknown values
        return match;
    });

    // calculate available whitespace (2 characters margin of error)
    const fullMargin = Math.max(0, params.maxWidth - _stringWidth(s) -2);
    const halfMargin = Math.floor(fullMargin / 2);

    // distribute available whitespace according to position
    switch (options.align) {

        // fill start-of-line with whitespaces
        case 'right':
            s = (fullMargin > 0) ? ' '.repeat(fullMargin) + s : s;
            break;

        // distribute whitespaces to left+right
        case 'center':
            s = (halfMargin > 0) ? ' '.repeat(halfMargin) + s : s;
            break;

        // default: left align, no additional whitespaces
        case 'left':
        default:
            break;
    }

    return s;
}


/***/ }),

/***/ 5123:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _ETA = __nccwpck_require__(4250);
const _Terminal = __nccwpck_require__(7748);
const _formatter = __nccwpck_require__(4740);
const _options = __nccwpck_require__(1596);
const _EventEmitter = __nccwpck_require__(4434);

// Progress-Bar constructor
module.exports = class GenericBar extends _EventEmitter{

    constructor(options){
        super();

        // store options and assign derived ones (instance specific)
        this.options = _options.assignDerivedOptions(options);

        // store terminal instance
        this.terminal = (this.options.terminal) ? this.options.terminal : new _Terminal(this.options.stream);

        // the current bar value
        this.value = 0;

        // bar start value (used for progress calculation)
        this.startValue = 0;

        // the end value of the bar
        this.total = 100;

        // last drawn string - only render on change!
        this.lastDrawnString = null;

        // start time (used for eta calculation)
        this.startTime = null;

        // stop time (used for duration calculation)
        this.stopTime = null;

        // last update time
        this.lastRedraw = Date.now();

        // default eta calculator (will be re-create on start)
        this.eta = new _ETA(this.options.etaBufferLength, 0, 0);

        // payload data
        this.payload = {};

        // progress bar active ?
        this.isActive = false;

        // use default formatter or custom one ?
        this.formatter = (typeof this.options.format === 'function') ? this.options.format : _formatter;
    }

    // internal render function
    render(forceRendering=false){

        // formatter params
        const params = {
            progress: this.getProgress(),
            eta: this.eta.getTime(),
            startTime: this.startTime,
            stopTime: this.stopTime,
            total: this.total,
            value: this.value,
            maxWidth: this.terminal.getWidth()
        };

        // automatic eta update ? (long running processes)
        if (this.options.etaAsynchronousUpdate){
            this.updateETA();
        }

        // format string
        const s = this.formatter(this.options, params, this.payload);

        const forceRedraw = forceRendering || this.options.forceRedraw
            // force redraw in notty-mode!
            || (this.options.noTTYOutput && !this.terminal.isTTY());

        // string changed ? only trigger redraw on change!
        if (forceRedraw || this.lastDrawnString != s){
            // trigger event
            this.emit('redraw-pre');

            // set cursor to start of line
            this.terminal.cursorTo(0, null);

            // write output
            this.terminal.write(s);

            // clear to the right from cursor
            this.terminal.clearRight();

            // store string
            this.lastDrawnString = s;

            // set last redraw time
            this.lastRedraw = Date.now();

            // trigger event
            this.emit('redraw-post');
        }
    }

    // start the progress bar
    start(total, startValue, payload){
        // set initial values
        this.value = startValue || 0;
        this.total = (typeof total !== 'undefined' && total >= 0) ? total : 100;

        // set start value for progress calculation
        this.startValue = (startValue || 0);

        // store payload (optional)
        this.payload = payload || {};

        // store start time for duration+eta calculation
        this.startTime = Date.now();

        // reset stop time for 're-start' scenario (used for duration calculation)
        this.stopTime = null;

        // reset string line buffer (redraw detection)
        this.lastDrawnString = '';

        // initialize eta buffer
        this.eta = new _ETA(this.options.etaBufferLength, this.startTime, this.value);

        // set flag
        this.isActive = true;

        // start event
        this.emit('start', total, startValue);
    }

    // stop the bar
    stop(){
        // set flag
        this.isActive = false;
        
        // store stop timestamp to get total duration
        this.stopTime = Date.now();

        // stop event
        this.emit('stop', this.total, this.value);
    }

    // update the bar value
    // update(value, payload)
    // update(payload)
    update(arg0, arg1 = {}){
        // value set ?
        // update(value, [payload]);
        if (typeof arg0 === 'number') {
            // update value
            this.value = arg0;

            // add new value; recalculate eta
            this.eta.update(Date.now(), arg0, this.total);
        }

        // extract payload
        // update(value, payload)
        // update(payload)
        const payloadData = ((typeof arg0 === 'object') ? arg0 : arg1) || {};

        // update event (before stop() is called)
        this.emit('update', this.total, this.value);

        // merge payload
        for (const key in payloadData){
            this.payload[key] = payloadData[key];
        }

        // limit reached ? autostop set ?
        if (this.value >= this.getTotal() && this.options.stopOnComplete) {
            this.stop();
        }
    }

    // calculate the actual progress value
    getProgress(){
        // calculate the normalized current progress
        let progress = (this.value/this.total);

        // use relative progress calculation ? range between startValue and total is then used as 100%
        // startValue (offset) is ignored for calculations
        if (this.options.progressCalculationRelative){
            progress = (this.value-this.startValue)/(this.total-this.startValue);
        }

        // handle NaN Errors caused by total=0. Set to complete in this case
        if (isNaN(progress)){
            progress = (this.options && this.options.emptyOnZero) ? 0.0 : 1.0;
        }

        // limiter
        progress = Math.min(Math.max(progress, 0.0), 1.0);

        return progress;
    }

    // update the bar value
    // increment(delta, payload)
    // increment(payload)
    increment(arg0 = 1, arg1 = {}){
        // increment([payload]) => step=1
        // handle the use case when `step` is omitted but payload is passed
        if (typeof arg0 === 'object') {
            this.update(this.value + 1, arg0);
        
        // increment([step=1], [payload={}])
        }else{
            this.update(this.value + arg0, arg1);
        }
    }

    // get the total (limit) value
    getTotal(){
        return this.total;
    }

    // set the total (limit) value
    setTotal(total){
        if (typeof total !== 'undefined' && total >= 0){
            this.total = total;
        }
    }

    // force eta calculation update (long running processes)
    updateETA(){
        // add new value; recalculate eta
        this.eta.update(Date.now(), this.value, this.total);
    }
}


/***/ }),

/***/ 9307:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _Terminal = __nccwpck_require__(7748);
const _BarElement = __nccwpck_require__(5123);
const _options = __nccwpck_require__(1596);
const _EventEmitter = __nccwpck_require__(4434);

// Progress-Bar constructor
module.exports = class MultiBar extends _EventEmitter{

    constructor(options, preset){
        super();

        // list of bars
        this.bars = [];

        // parse+store options
        this.options = _options.parse(options, preset);

        // disable synchronous updates
        this.options.synchronousUpdate = false;

        // store terminal instance
        this.terminal = (this.options.terminal) ? this.options.terminal : new _Terminal(this.options.stream);

        // the update timer
        this.timer = null;

        // progress bar active ?
        this.isActive = false;

        // update interval
        this.schedulingRate = (this.terminal.isTTY() ? this.options.throttleTime : this.options.notTTYSchedule);

        // logging output buffer
        this.loggingBuffer = [];

        // callback used for gracefulExit
        this.sigintCallback = null;
    }

    // add a new bar to the stack
    create(total, startValue, payload, barOptions={}){
        // create new bar element and merge global options + overrides
        // use the same global terminal instance for all instances
        const bar = new _BarElement(Object.assign(
            {}, 

            // global options
            this.options, 

            // terminal instance
            {
                terminal: this.terminal
            },

            // overrides
            barOptions,
        ));

        // store bar
        this.bars.push(bar);

        // progress updates are only visible in TTY mode!
        if (this.options.noTTYOutput === false && this.terminal.isTTY() === false){
            return bar;
        }

        // add handler to restore cursor settings (stop the bar) on SIGINT/SIGTERM ?
        if (this.sigintCallback === null && this.options.gracefulExit){
            this.sigintCallback = this.stop.bind(this);
            process.once('SIGINT', this.sigintCallback);
            process.once('SIGTERM', this.sigintCallback);
        }
        
        // multiprogress already active ?
        if (!this.isActive){
            // hide the cursor ?
            if (this.options.hideCursor === true){
                this.terminal.cursor(false);
            }

            // disable line wrapping ?
            if (this.options.linewrap === false){
                this.terminal.lineWrapping(false);
            }
    
            // initialize update timer
            this.timer = setTimeout(this.update.bind(this), this.schedulingRate);
        }

        // set flag
        this.isActive = true;

        // start progress bar
        bar.start(total, startValue, payload);

        // trigger event
        this.emit('start');

        // return new instance
        return bar;
    }

    // remove a bar from the stack
    remove(bar){
        // find element
        const index = this.bars.indexOf(bar);

        // element found ?
        if (index < 0){
            return false;
        }

        // remove element
        this.bars.splice(index, 1);

        // force update
        this.update();

        // clear bottom
        this.terminal.newline();
        this.terminal.clearBottom();

        return true;
    }

    // internal update routine
    update(){
        // stop timer
        if (this.timer){
            clearTimeout(this.timer);
            this.timer = null;
        }

        // trigger event
        this.emit('update-pre');
        
        // reset cursor
        this.terminal.cursorRelativeReset();

        // trigger event
        this.emit('redraw-pre');

        // content within logging buffer ?
        if (this.loggingBuffer.length > 0){
            this.terminal.clearLine();

            // flush logging buffer and write content to terminal
            while (this.loggingBuffer.length > 0){
                this.terminal.write(this.loggingBuffer.shift(), true);
            }
        }

        // update each bar
        for (let i=0; i< this.bars.length; i++){
            // add new line ?
            if (i > 0){
                this.terminal.newline();
            }

            // render
            this.bars[i].render();
        }

        // trigger event
        this.emit('redraw-post');

        // add new line in notty mode!
        if (this.options.noTTYOutput && this.terminal.isTTY() === false){
            this.terminal.newline();
            this.terminal.newline();
        }

        // next update
        this.timer = setTimeout(this.update.bind(this), this.schedulingRate);

        // trigger event
        this.emit('update-post');

        // stop if stopOnComplete and all bars stopped
        if (this.options.stopOnComplete && !this.bars.find(bar => bar.isActive)) {
            this.stop();
        }
    }

    stop(){

        // stop timer
        clearTimeout(this.timer);
        this.timer = null;

        // remove sigint listener
        if (this.sigintCallback){
            process.removeListener('SIGINT', this.sigintCallback);
            process.removeListener('SIGTERM', this.sigintCallback);
            this.sigintCallback = null;
        }

        // set flag
        this.isActive = false;

        // cursor hidden ?
        if (this.options.hideCursor === true){
            this.terminal.cursor(true);
        }

        // re-enable line wrpaping ?
        if (this.options.linewrap === false){
            this.terminal.lineWrapping(true);
        }

        // reset cursor
        this.terminal.cursorRelativeReset();

        // trigger event
        this.emit('stop-pre-clear');

        // clear line on complete ?
        if (this.options.clearOnComplete){
            // clear all bars
            this.terminal.clearBottom();
            
        // or show final progress ?
        }else{
            // update each bar
            for (let i=0; i< this.bars.length; i++){
                // add new line ?
                if (i > 0){
                    this.terminal.newline();
                }

                // trigger final rendering
                this.bars[i].render();

                // stop
                this.bars[i].stop();
            }

            // new line on complete
            this.terminal.newline();
        }

        // trigger event
        this.emit('stop');
    }

    log(s){
        // push content into logging buffer
        this.loggingBuffer.push(s);
    }
}


/***/ }),

/***/ 1596:
/***/ ((module) => {

// utility to merge defaults
function mergeOption(v, defaultValue){
    if (typeof v === 'undefined' || v === null){
        return defaultValue;
    }else{
        return v;
    }
}

module.exports = {
    // set global options
    parse: function parse(rawOptions, preset){

        // options storage
        const options = {};

        // merge preset
        const opt = Object.assign({}, preset, rawOptions);

        // the max update rate in fps (redraw will only triggered on value change)
        options.throttleTime = 1000 / (mergeOption(opt.fps, 10));

        // the output stream to write on
        options.stream = mergeOption(opt.stream, process.stderr);

        // external terminal provided ?
        options.terminal = mergeOption(opt.terminal, null);

        // clear on finish ?
        options.clearOnComplete = mergeOption(opt.clearOnComplete, false);

        // stop on finish ?
        options.stopOnComplete = mergeOption(opt.stopOnComplete, false);

        // size of the progressbar in chars
        options.barsize = mergeOption(opt.barsize, 40);

        // position of the progress bar - 'left' (default), 'right' or 'center'
        options.align = mergeOption(opt.align, 'left');

        // hide the cursor ?
        options.hideCursor = mergeOption(opt.hideCursor, false);

        // disable linewrapping ?
        options.linewrap = mergeOption(opt.linewrap, false);

        // glue sequence (control chars) between bar elements ?
        options.barGlue = mergeOption(opt.barGlue, '');

        // bar chars
        options.barCompleteChar = mergeOption(opt.barCompleteChar, '=');
        options.barIncompleteChar = mergeOption(opt.barIncompleteChar, '-');

        // the bar format
        options.format = mergeOption(opt.format, 'progress [{bar}] {percentage}% | ETA: {eta}s | {value}/{total}');

        // external time-format provided ?
        options.formatTime = mergeOption(opt.formatTime, null);

        // external value-format provided ?
        options.formatValue = mergeOption(opt.formatValue, null);

        // external bar-format provided ?
        options.formatBar = mergeOption(opt.formatBar, null);

        // the number of results to average ETA over
        options.etaBufferLength = mergeOption(opt.etaBuffer, 10);

        // automatic eta updates based on fps
        options.etaAsynchronousUpdate = mergeOption(opt.etaAsynchronousUpdate, false);

        // progress calculation relative to start value ? default start at 0
        options.progressCalculationRelative = mergeOption(opt.progressCalculationRelative, false);

        // allow synchronous updates ?
        options.synchronousUpdate = mergeOption(opt.synchronousUpdate, true);

        // notty mode
        options.noTTYOutput = mergeOption(opt.noTTYOutput, false);

        // schedule - 2s
        options.notTTYSchedule = mergeOption(opt.notTTYSchedule, 2000);
        
        // emptyOnZero - false
        options.emptyOnZero = mergeOption(opt.emptyOnZero, false);

        // force bar redraw even if progress did not change
        options.forceRedraw = mergeOption(opt.forceRedraw, false);

        // automated padding to fixed width ?
        options.autopadding = mergeOption(opt.autopadding, false);

        // stop bar on SIGINT/SIGTERM to restore cursor settings ?
        options.gracefulExit = mergeOption(opt.gracefulExit, false);

        return options;
    },

    // derived options: instance specific, has to be created for every bar element
    assignDerivedOptions: function assignDerivedOptions(options){
        // pre-render bar strings (performance)
        options.barCompleteString = options.barCompleteChar.repeat(options.barsize + 1);
        options.barIncompleteString = options.barIncompleteChar.repeat(options.barsize + 1);

        // autopadding character - empty in case autopadding is disabled
        options.autopaddingChar = options.autopadding ? mergeOption(options.autopaddingChar, '   ') : '';

        return options;
    }
};

/***/ }),

/***/ 2176:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _GenericBar = __nccwpck_require__(5123);
const _options = __nccwpck_require__(1596);

// Progress-Bar constructor
module.exports = class SingleBar extends _GenericBar{

    constructor(options, preset){
        super(_options.parse(options, preset));

        // the update timer
        this.timer = null;

        // disable synchronous updates in notty mode
        if (this.options.noTTYOutput && this.terminal.isTTY() === false){
            this.options.synchronousUpdate = false;
        }

        // update interval
        this.schedulingRate = (this.terminal.isTTY() ? this.options.throttleTime : this.options.notTTYSchedule);

        // callback used for gracefulExit
        this.sigintCallback = null;
    }

    // internal render function
    render(){
        // stop timer
        if (this.timer){
            clearTimeout(this.timer);
            this.timer = null;
        }

        // run internal rendering
        super.render();

        // add new line in notty mode!
        if (this.options.noTTYOutput && this.terminal.isTTY() === false){
            this.terminal.newline();
        }

        // next update
        this.timer = setTimeout(this.render.bind(this), this.schedulingRate);
    }

    update(current, payload){
        // timer inactive ?
        if (!this.timer) {
            return;
        }

        super.update(current, payload);

        // trigger synchronous update ?
        // check for throttle time 
        if (this.options.synchronousUpdate && (this.lastRedraw + this.options.throttleTime*2) < Date.now()){
            // force update
            this.render();
        }
    }

    // start the progress bar
    start(total, startValue, payload){
        // progress updates are only visible in TTY mode!
        if (this.options.noTTYOutput === false && this.terminal.isTTY() === false){
            return;
        }

        // add handler to restore cursor settings (stop the bar) on SIGINT/SIGTERM ?
        if (this.sigintCallback === null && this.options.gracefulExit){
            this.sigintCallback = this.stop.bind(this);
            process.once('SIGINT', this.sigintCallback);
            process.once('SIGTERM', this.sigintCallback);
        }

        // save current cursor settings
        this.terminal.cursorSave();

        // hide the cursor ?
        if (this.options.hideCursor === true){
            this.terminal.cursor(false);
        }

        // disable line wrapping ?
        if (this.options.linewrap === false){
            this.terminal.lineWrapping(false);
        }

        // initialize bar
        super.start(total, startValue, payload);

        // redraw on start!
        this.render();
    }

    // stop the bar
    stop(){
        // timer inactive ?
        if (!this.timer) {
            return;
        }
        
        // remove sigint listener
        if (this.sigintCallback){
            process.removeListener('SIGINT', this.sigintCallback);
            process.removeListener('SIGTERM', this.sigintCallback);
            this.sigintCallback = null;
        }

        // trigger final rendering
        this.render();

        // restore state
        super.stop();

        // stop timer
        clearTimeout(this.timer);
        this.timer = null;

        // cursor hidden ?
        if (this.options.hideCursor === true){
            this.terminal.cursor(true);
        }

        // re-enable line wrapping ?
        if (this.options.linewrap === false){
            this.terminal.lineWrapping(true);
        }

        // restore cursor on complete (position + settings)
        this.terminal.cursorRestore();

        // clear line on complete ?
        if (this.options.clearOnComplete){
            this.terminal.cursorTo(0, null);
            this.terminal.clearLine();
        }else{
            // new line on complete
            this.terminal.newline();
        }
    }
}

/***/ }),

/***/ 7748:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _readline = __nccwpck_require__(3785);

// low-level terminal interactions
class Terminal{

    constructor(outputStream){
        this.stream = outputStream;

        // default: line wrapping enabled
        this.linewrap = true;

        // current, relative y position
        this.dy = 0;
    }

    // save cursor position + settings
    cursorSave(){
        if (!this.stream.isTTY){
            return;
        }

        // save position
        this.stream.write('\x1B7');
    }

    // restore last cursor position + settings
    cursorRestore(){
        if (!this.stream.isTTY){
            return;
        }

        // restore cursor
        this.stream.write('\x1B8');
    }

    // show/hide cursor
    cursor(enabled){
        if (!this.stream.isTTY){
            return;
        }

        if (enabled){
            this.stream.write('\x1B[?25h');
        }else{
            this.stream.write('\x1B[?25l');
        }
    }

    // change cursor positionn
    cursorTo(x=null, y=null){
        if (!this.stream.isTTY){
            return;
        }

        // move cursor absolute
        _readline.cursorTo(this.stream, x, y);
    }

    // change relative cursor position
    cursorRelative(dx=null, dy=null){
        if (!this.stream.isTTY){
            return;
        }

        // store current position
        this.dy = this.dy + dy;
        
        // move cursor relative
        _readline.moveCursor(this.stream, dx, dy);
    }

    // relative reset
    cursorRelativeReset(){
        if (!this.stream.isTTY){
            return;
        }

        // move cursor to initial line
        _readline.moveCursor(this.stream, 0, -this.dy);

        // first char
        _readline.cursorTo(this.stream, 0, null);

        // reset counter
        this.dy = 0;
    }

    // clear to the right from cursor
    clearRight(){
        if (!this.stream.isTTY){
            return;
        }

        _readline.clearLine(this.stream, 1);
    }

    // clear the full line
    clearLine(){
        if (!this.stream.isTTY){
            return;
        }

        _readline.clearLine(this.stream, 0);
    }

    // clear everyting beyond the current line
    clearBottom(){
        if (!this.stream.isTTY){
            return;
        }

        _readline.clearScreenDown(this.stream);
    }

    // add new line; increment counter
    newline(){
        this.stream.write('\n');
        this.dy++;
    }

    // write content to output stream
    // @TODO use string-width to strip length
    write(s, rawWrite=false){
        // line wrapping enabled ? trim output
        // this is just a fallback mechanism in case user enabled line-wrapping via options or set it to auto
        if (this.linewrap === true && rawWrite === false){
            this.stream.write(s.substr(0, this.getWidth()));

        // standard behaviour with disabled linewrapping
        }else{
            this.stream.write(s);
        }
    }

    // control line wrapping
    lineWrapping(enabled){
        if (!this.stream.isTTY){
            return;
        }

        // store state
        this.linewrap = enabled;
        if (enabled){
            this.stream.write('\x1B[?7h');
        }else{
            this.stream.write('\x1B[?7l');
        }
    }

    // tty environment ?
    isTTY(){
        return (this.stream.isTTY === true);
    }

    // get terminal width
    getWidth(){
        // set max width to 80 in tty-mode and 200 in notty-mode
        return this.stream.columns || (this.stream.isTTY ? 80 : 200);
    }
}

module.exports = Terminal;


/***/ }),

/***/ 1921:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const _legacy = __nccwpck_require__(4874);
const _shades_classic = __nccwpck_require__(8170);
const _shades_grey = __nccwpck_require__(3351);
const _rect = __nccwpck_require__(8879);

module.exports = {
    legacy: _legacy,
    shades_classic: _shades_classic,
    shades_grey: _shades_grey,
    rect: _rect
};

/***/ }),

/***/ 4874:
/***/ ((module) => {

// cli-progress legacy style as of 1.x
module.exports = {
    format: 'progress [{bar}] {percentage}% | ETA: {eta}s | {value}/{total}',
    barCompleteChar: '=',
    barIncompleteChar: '-'
};

/***/ }),

/***/ 8879:
/***/ ((module) => {

module.exports = {
    format: ' {bar}\u25A0 {percentage}% | ETA: {eta}s | {value}/{total}',
    barCompleteChar: '\u25A0',
    barIncompleteChar: ' '
};

/***/ }),

/***/ 8170:
/***/ ((module) => {

// cli-progress legacy style as of 1.x
module.exports = {
    format: ' {bar} {percentage}% | ETA: {eta}s | {value}/{total}',
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591'
};

/***/ }),

/***/ 3351:
/***/ ((module) => {


// cli-progress legacy style as of 1.x
module.exports = {
    format: ' \u001b[90m{bar}\u001b[0m {percentage}% | ETA: {eta}s | {value}/{total}',
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591'
};

/***/ }),

/***/ 872:
/***/ ((module) => {



module.exports = function () {
  // https://mths.be/emoji
  return /\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62(?:\uDB40\uDC65\uDB40\uDC6E\uDB40\uDC67|\uDB40\uDC73\uDB40\uDC63\uDB40\uDC74|\uDB40\uDC77\uDB40\uDC6C\uDB40\uDC73)\uDB40\uDC7F|\uD83D\uDC68(?:\uD83C\uDFFC\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68\uD83C\uDFFB|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFF\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB-\uDFFE])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFE\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB-\uDFFD])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFD\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB\uDFFC])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\u200D(?:\u2764\uFE0F\u200D(?:\uD83D\uDC8B\u200D)?\uD83D\uDC68|(?:\uD83D[\uDC68\uDC69])\u200D(?:\uD83D\uDC66\u200D\uD83D\uDC66|\uD83D\uDC67\u200D(?:\uD83D[\uDC66\uDC67]))|\uD83D\uDC66\u200D\uD83D\uDC66|\uD83D\uDC67\u200D(?:\uD83D[\uDC66\uDC67])|(?:\uD83D[\uDC68\uDC69])\u200D(?:\uD83D[\uDC66\uDC67])|[\u2695\u2696\u2708]\uFE0F|\uD83D[\uDC66\uDC67]|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|(?:\uD83C\uDFFB\u200D[\u2695\u2696\u2708]|\uD83C\uDFFF\u200D[\u2695\u2696\u2708]|\uD83C\uDFFE\u200D[\u2695\u2696\u2708]|\uD83C\uDFFD\u200D[\u2695\u2696\u2708]|\uD83C\uDFFC\u200D[\u2695\u2696\u2708])\uFE0F|\uD83C\uDFFB\u200D(?:\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C[\uDFFB-\uDFFF])|(?:\uD83E\uDDD1\uD83C\uDFFB\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1|\uD83D\uDC69\uD83C\uDFFC\u200D\uD83E\uDD1D\u200D\uD83D\uDC69)\uD83C\uDFFB|\uD83E\uDDD1(?:\uD83C\uDFFF\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1(?:\uD83C[\uDFFB-\uDFFF])|\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1)|(?:\uD83E\uDDD1\uD83C\uDFFE\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1|\uD83D\uDC69\uD83C\uDFFF\u200D\uD83E\uDD1D\u200D(?:\uD83D[\uDC68\uDC69]))(?:\uD83C[\uDFFB-\uDFFE])|(?:\uD83E\uDDD1\uD83C\uDFFC\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1|\uD83D\uDC69\uD83C\uDFFD\u200D\uD83E\uDD1D\u200D\uD83D\uDC69)(?:\uD83C[\uDFFB\uDFFC])|\uD83D\uDC69(?:\uD83C\uDFFE\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB-\uDFFD\uDFFF])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFC\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB\uDFFD-\uDFFF])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFB\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFC-\uDFFF])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFD\u200D(?:\uD83E\uDD1D\u200D\uD83D\uDC68(?:\uD83C[\uDFFB\uDFFC\uDFFE\uDFFF])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\u200D(?:\u2764\uFE0F\u200D(?:\uD83D\uDC8B\u200D(?:\uD83D[\uDC68\uDC69])|\uD83D[\uDC68\uDC69])|\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD])|\uD83C\uDFFF\u200D(?:\uD83C[\uDF3E\uDF73\uDF93\uDFA4\uDFA8\uDFEB\uDFED]|\uD83D[\uDCBB\uDCBC\uDD27\uDD2C\uDE80\uDE92]|\uD83E[\uDDAF-\uDDB3\uDDBC\uDDBD]))|\uD83D\uDC69\u200D\uD83D\uDC69\u200D(?:\uD83D\uDC66\u200D\uD83D\uDC66|\uD83D\uDC67\u200D(?:\uD83D[\uDC66\uDC67]))|(?:\uD83E\uDDD1\uD83C\uDFFD\u200D\uD83E\uDD1D\u200D\uD83E\uDDD1|\uD83D\uDC69\uD83C\uDFFE\u200D\uD83E\uDD1D\u200D\uD83D\uDC69)(?:\uD83C[\uDFFB-\uDFFD])|\uD83D\uDC69\u200D\uD83D\uDC66\u200D\uD83D\uDC66|\uD83D\uDC69\u200D\uD83D\uDC69\u200D(?:\uD83D[\uDC66\uDC67])|(?:\uD83D\uDC41\uFE0F\u200D\uD83D\uDDE8|\uD83D\uDC69(?:\uD83C\uDFFF\u200D[\u2695\u2696\u2708]|\uD83C\uDFFE\u200D[\u2695\u2696\u2708]|\uD83C\uDFFC\u200D[\u2695\u2696\u2708]|\uD83C\uDFFB\u200D[\u2695\u2696\u2708]|\uD83C\uDFFD\u200D[\u2695\u2696\u2708]|\u200D[\u2695\u2696\u2708])|(?:(?:\u26F9|\uD83C[\uDFCB\uDFCC]|\uD83D\uDD75)\uFE0F|\uD83D\uDC6F|\uD83E[\uDD3C\uDDDE\uDDDF])\u200D[\u2640\u2642]|(?:\u26F9|\uD83C[\uDFCB\uDFCC]|\uD83D\uDD75)(?:\uD83C[\uDFFB-\uDFFF])\u200D[\u2640\u2642]|(?:\uD83C[\uDFC3\uDFC4\uDFCA]|\uD83D[\uDC6E\uDC71\uDC73\uDC77\uDC81\uDC82\uDC86\uDC87\uDE45-\uDE47\uDE4B\uDE4D\uDE4E\uDEA3\uDEB4-\uDEB6]|\uD83E[\uDD26\uDD37-\uDD39\uDD3D\uDD3E\uDDB8\uDDB9\uDDCD-\uDDCF\uDDD6-\uDDDD])(?:(?:\uD83C[\uDFFB-\uDFFF])\u200D[\u2640\u2642]|\u200D[\u2640\u2642])|\uD83C\uDFF4\u200D\u2620)\uFE0F|\uD83D\uDC69\u200D\uD83D\uDC67\u200D(?:\uD83D[\uDC66\uDC67])|\uD83C\uDFF3\uFE0F\u200D\uD83C\uDF08|\uD83D\uDC15\u200D\uD83E\uDDBA|\uD83D\uDC69\u200D\uD83D\uDC66|\uD83D\uDC69\u200D\uD83D\uDC67|\uD83C\uDDFD\uD83C\uDDF0|\uD83C\uDDF4\uD83C\uDDF2|\uD83C\uDDF6\uD83C\uDDE6|[#\*0-9]\uFE0F\u20E3|\uD83C\uDDE7(?:\uD83C[\uDDE6\uDDE7\uDDE9-\uDDEF\uDDF1-\uDDF4\uDDF6-\uDDF9\uDDFB\uDDFC\uDDFE\uDDFF])|\uD83C\uDDF9(?:\uD83C[\uDDE6\uDDE8\uDDE9\uDDEB-\uDDED\uDDEF-\uDDF4\uDDF7\uDDF9\uDDFB\uDDFC\uDDFF])|\uD83C\uDDEA(?:\uD83C[\uDDE6\uDDE8\uDDEA\uDDEC\uDDED\uDDF7-\uDDFA])|\uD83E\uDDD1(?:\uD83C[\uDFFB-\uDFFF])|\uD83C\uDDF7(?:\uD83C[\uDDEA\uDDF4\uDDF8\uDDFA\uDDFC])|\uD83D\uDC69(?:\uD83C[\uDFFB-\uDFFF])|\uD83C\uDDF2(?:\uD83C[\uDDE6\uDDE8-\uDDED\uDDF0-\uDDFF])|\uD83C\uDDE6(?:\uD83C[\uDDE8-\uDDEC\uDDEE\uDDF1\uDDF2\uDDF4\uDDF6-\uDDFA\uDDFC\uDDFD\uDDFF])|\uD83C\uDDF0(?:\uD83C[\uDDEA\uDDEC-\uDDEE\uDDF2\uDDF3\uDDF5\uDDF7\uDDFC\uDDFE\uDDFF])|\uD83C\uDDED(?:\uD83C[\uDDF0\uDDF2\uDDF3\uDDF7\uDDF9\uDDFA])|\uD83C\uDDE9(?:\uD83C[\uDDEA\uDDEC\uDDEF\uDDF0\uDDF2\uDDF4\uDDFF])|\uD83C\uDDFE(?:\uD83C[\uDDEA\uDDF9])|\uD83C\uDDEC(?:\uD83C[\uDDE6\uDDE7\uDDE9-\uDDEE\uDDF1-\uDDF3\uDDF5-\uDDFA\uDDFC\uDDFE])|\uD83C\uDDF8(?:\uD83C[\uDDE6-\uDDEA\uDDEC-\uDDF4\uDDF7-\uDDF9\uDDFB\uDDFD-\uDDFF])|\uD83C\uDDEB(?:\uD83C[\uDDEE-\uDDF0\uDDF2\uDDF4\uDDF7])|\uD83C\uDDF5(?:\uD83C[\uDDE6\uDDEA-\uDDED\uDDF0-\uDDF3\uDDF7-\uDDF9\uDDFC\uDDFE])|\uD83C\uDDFB(?:\uD83C[\uDDE6\uDDE8\uDDEA\uDDEC\uDDEE\uDDF3\uDDFA])|\uD83C\uDDF3(?:\uD83C[\uDDE6\uDDE8\uDDEA-\uDDEC\uDDEE\uDDF1\uDDF4\uDDF5\uDDF7\uDDFA\uDDFF])|\uD83C\uDDE8(?:\uD83C[\uDDE6\uDDE8\uDDE9\uDDEB-\uDDEE\uDDF0-\uDDF5\uDDF7\uDDFA-\uDDFF])|\uD83C\uDDF1(?:\uD83C[\uDDE6-\uDDE8\uDDEE\uDDF0\uDDF7-\uDDFB\uDDFE])|\uD83C\uDDFF(?:\uD83C[\uDDE6\uDDF2\uDDFC])|\uD83C\uDDFC(?:\uD83C[\uDDEB\uDDF8])|\uD83C\uDDFA(?:\uD83C[\uDDE6\uDDEC\uDDF2\uDDF3\uDDF8\uDDFE\uDDFF])|\uD83C\uDDEE(?:\uD83C[\uDDE8-\uDDEA\uDDF1-\uDDF4\uDDF6-\uDDF9])|\uD83C\uDDEF(?:\uD83C[\uDDEA\uDDF2\uDDF4\uDDF5])|(?:\uD83C[\uDFC3\uDFC4\uDFCA]|\uD83D[\uDC6E\uDC71\uDC73\uDC77\uDC81\uDC82\uDC86\uDC87\uDE45-\uDE47\uDE4B\uDE4D\uDE4E\uDEA3\uDEB4-\uDEB6]|\uD83E[\uDD26\uDD37-\uDD39\uDD3D\uDD3E\uDDB8\uDDB9\uDDCD-\uDDCF\uDDD6-\uDDDD])(?:\uD83C[\uDFFB-\uDFFF])|(?:\u26F9|\uD83C[\uDFCB\uDFCC]|\uD83D\uDD75)(?:\uD83C[\uDFFB-\uDFFF])|(?:[\u261D\u270A-\u270D]|\uD83C[\uDF85\uDFC2\uDFC7]|\uD83D[\uDC42\uDC43\uDC46-\uDC50\uDC66\uDC67\uDC6B-\uDC6D\uDC70\uDC72\uDC74-\uDC76\uDC78\uDC7C\uDC83\uDC85\uDCAA\uDD74\uDD7A\uDD90\uDD95\uDD96\uDE4C\uDE4F\uDEC0\uDECC]|\uD83E[\uDD0F\uDD18-\uDD1C\uDD1E\uDD1F\uDD30-\uDD36\uDDB5\uDDB6\uDDBB\uDDD2-\uDDD5])(?:\uD83C[\uDFFB-\uDFFF])|(?:[\u231A\u231B\u23E9-\u23EC\u23F0\u23F3\u25FD\u25FE\u2614\u2615\u2648-\u2653\u267F\u2693\u26A1\u26AA\u26AB\u26BD\u26BE\u26C4\u26C5\u26CE\u26D4\u26EA\u26F2\u26F3\u26F5\u26FA\u26FD\u2705\u270A\u270B\u2728\u274C\u274E\u2753-\u2755\u2757\u2795-\u2797\u27B0\u27BF\u2B1B\u2B1C\u2B50\u2B55]|\uD83C[\uDC04\uDCCF\uDD8E\uDD91-\uDD9A\uDDE6-\uDDFF\uDE01\uDE1A\uDE2F\uDE32-\uDE36\uDE38-\uDE3A\uDE50\uDE51\uDF00-\uDF20\uDF2D-\uDF35\uDF37-\uDF7C\uDF7E-\uDF93\uDFA0-\uDFCA\uDFCF-\uDFD3\uDFE0-\uDFF0\uDFF4\uDFF8-\uDFFF]|\uD83D[\uDC00-\uDC3E\uDC40\uDC42-\uDCFC\uDCFF-\uDD3D\uDD4B-\uDD4E\uDD50-\uDD67\uDD7A\uDD95\uDD96\uDDA4\uDDFB-\uDE4F\uDE80-\uDEC5\uDECC\uDED0-\uDED2\uDED5\uDEEB\uDEEC\uDEF4-\uDEFA\uDFE0-\uDFEB]|\uD83E[\uDD0D-\uDD3A\uDD3C-\uDD45\uDD47-\uDD71\uDD73-\uDD76\uDD7A-\uDDA2\uDDA5-\uDDAA\uDDAE-\uDDCA\uDDCD-\uDDFF\uDE70-\uDE73\uDE78-\uDE7A\uDE80-\uDE82\uDE90-\uDE95])|(?:[#\*0-9\xA9\xAE\u203C\u2049\u2122\u2139\u2194-\u2199\u21A9\u21AA\u231A\u231B\u2328\u23CF\u23E9-\u23F3\u23F8-\u23FA\u24C2\u25AA\u25AB\u25B6\u25C0\u25FB-\u25FE\u2600-\u2604\u260E\u2611\u2614\u2615\u2618\u261D\u2620\u2622\u2623\u2626\u262A\u262E\u262F\u2638-\u263A\u2640\u2642\u2648-\u2653\u265F\u2660\u2663\u2665\u2666\u2668\u267B\u267E\u267F\u2692-\u2697\u2699\u269B\u269C\u26A0\u26A1\u26AA\u26AB\u26B0\u26B1\u26BD\u26BE\u26C4\u26C5\u26C8\u26CE\u26CF\u26D1\u26D3\u26D4\u26E9\u26EA\u26F0-\u26F5\u26F7-\u26FA\u26FD\u2702\u2705\u2708-\u270D\u270F\u2712\u2714\u2716\u271D\u2721\u2728\u2733\u2734\u2744\u2747\u274C\u274E\u2753-\u2755\u2757\u2763\u2764\u2795-\u2797\u27A1\u27B0\u27BF\u2934\u2935\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55\u3030\u303D\u3297\u3299]|\uD83C[\uDC04\uDCCF\uDD70\uDD71\uDD7E\uDD7F\uDD8E\uDD91-\uDD9A\uDDE6-\uDDFF\uDE01\uDE02\uDE1A\uDE2F\uDE32-\uDE3A\uDE50\uDE51\uDF00-\uDF21\uDF24-\uDF93\uDF96\uDF97\uDF99-\uDF9B\uDF9E-\uDFF0\uDFF3-\uDFF5\uDFF7-\uDFFF]|\uD83D[\uDC00-\uDCFD\uDCFF-\uDD3D\uDD49-\uDD4E\uDD50-\uDD67\uDD6F\uDD70\uDD73-\uDD7A\uDD87\uDD8A-\uDD8D\uDD90\uDD95\uDD96\uDDA4\uDDA5\uDDA8\uDDB1\uDDB2\uDDBC\uDDC2-\uDDC4\uDDD1-\uDDD3\uDDDC-\uDDDE\uDDE1\uDDE3\uDDE8\uDDEF\uDDF3\uDDFA-\uDE4F\uDE80-\uDEC5\uDECB-\uDED2\uDED5\uDEE0-\uDEE5\uDEE9\uDEEB\uDEEC\uDEF0\uDEF3-\uDEFA\uDFE0-\uDFEB]|\uD83E[\uDD0D-\uDD3A\uDD3C-\uDD45\uDD47-\uDD71\uDD73-\uDD76\uDD7A-\uDDA2\uDDA5-\uDDAA\uDDAE-\uDDCA\uDDCD-\uDDFF\uDE70-\uDE73\uDE78-\uDE7A\uDE80-\uDE82\uDE90-\uDE95])\uFE0F|(?:[\u261D\u26F9\u270A-\u270D]|\uD83C[\uDF85\uDFC2-\uDFC4\uDFC7\uDFCA-\uDFCC]|\uD83D[\uDC42\uDC43\uDC46-\uDC50\uDC66-\uDC78\uDC7C\uDC81-\uDC83\uDC85-\uDC87\uDC8F\uDC91\uDCAA\uDD74\uDD75\uDD7A\uDD90\uDD95\uDD96\uDE45-\uDE47\uDE4B-\uDE4F\uDEA3\uDEB4-\uDEB6\uDEC0\uDECC]|\uD83E[\uDD0F\uDD18-\uDD1F\uDD26\uDD30-\uDD39\uDD3C-\uDD3E\uDDB5\uDDB6\uDDB8\uDDB9\uDDBB\uDDCD-\uDDCF\uDDD1-\uDDDD])/g;
};


/***/ }),

/***/ 4519:
/***/ ((module) => {

/* eslint-disable yoda */


const isFullwidthCodePoint = codePoint => {
	if (Number.isNaN(codePoint)) {
		return false;
	}

	// Code points are derived from:
	// http://www.unix.org/Public/UNIDATA/EastAsianWidth.txt
	if (
		codePoint >= 0x1100 && (
			codePoint <= 0x115F || // Hangul Jamo
			codePoint === 0x2329 || // LEFT-POINTING ANGLE BRACKET
			codePoint === 0x232A || // RIGHT-POINTING ANGLE BRACKET
			// CJK Radicals Supplement .. Enclosed CJK Letters and Months
			(0x2E80 <= codePoint && codePoint <= 0x3247 && codePoint !== 0x303F) ||
			// Enclosed CJK Letters and Months .. CJK Unified Ideographs Extension A
			(0x3250 <= codePoint && codePoint <= 0x4DBF) ||
			// CJK Unified Ideographs .. Yi Radicals
			(0x4E00 <= codePoint && codePoint <= 0xA4C6) ||
			// Hangul Jamo Extended-A
			(0xA960 <= codePoint && codePoint <= 0xA97C) ||
			// Hangul Syllables
			(0xAC00 <= codePoint && codePoint <= 0xD7A3) ||
			// CJK Compatibility Ideographs
			(0xF900 <= codePoint && codePoint <= 0xFAFF) ||
			// Vertical Forms
			(0xFE10 <= codePoint && codePoint <= 0xFE19) ||
			// CJK Compatibility Forms .. Small Form Variants
			(0xFE30 <= codePoint && codePoint <= 0xFE6B) ||
			// Halfwidth and Fullwidth Forms
			(0xFF01 <= codePoint && codePoint <= 0xFF60) ||
			(0xFFE0 <= codePoint && codePoint <= 0xFFE6) ||
			// Kana Supplement
			(0x1B000 <= codePoint && codePoint <= 0x1B001) ||
			// Enclosed Ideographic Supplement
			(0x1F200 <= codePoint && codePoint <= 0x1F251) ||
			// CJK Unified Ideographs Extension B .. Tertiary Ideographic Plane
			(0x20000 <= codePoint && codePoint <= 0x3FFFD)
		)
	) {
		return true;
	}

	return false;
};

module.exports = isFullwidthCodePoint;
module.exports["default"] = isFullwidthCodePoint;


/***/ }),

/***/ 60:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {


const stripAnsi = __nccwpck_require__(1610);
const isFullwidthCodePoint = __nccwpck_require__(4519);
const emojiRegex = __nccwpck_require__(872);

const stringWidth = string => {
	if (typeof string !== 'string' || string.length === 0) {
		return 0;
	}

	string = stripAnsi(string);

	if (string.length === 0) {
		return 0;
	}

	string = string.replace(emojiRegex(), '  ');

	let width = 0;

	for (let i = 0; i < string.length; i++) {
		const code = string.codePointAt(i);

		// Ignore control characters
		if (code <= 0x1F || (code >= 0x7F && code <= 0x9F)) {
			continue;
		}

		// Ignore combining characters
		if (code >= 0x300 && code <= 0x36F) {
			continue;
		}

		// Surrogates
		if (code > 0xFFFF) {
			i++;
		}

		width += isFullwidthCodePoint(code) ? 2 : 1;
	}

	return width;
};

module.exports = stringWidth;
// TODO: remove this in the next major version
module.exports["default"] = stringWidth;


/***/ }),

/***/ 3161:
/***/ ((module) => {



module.exports = ({onlyFirst = false} = {}) => {
	const pattern = [
		'[\\u001B\\u009B][[\\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\\d\\/#&.:=?%@~_]+)*|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/#&.:=?%@~_]*)*)?\\u0007)',
		'(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PR-TZcf-ntqry=><~]))'
	].join('|');

	return new RegExp(pattern, onlyFirst ? undefined : 'g');
};


/***/ }),

/***/ 1610:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {


const ansiRegex = __nccwpck_require__(3161);

module.exports = string => typeof string === 'string' ? string.replace(ansiRegex(), '') : string;


/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 99:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:sqlite");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 7830:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/web");

/***/ }),

/***/ 7997:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 3785:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("readline");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
;// CONCATENATED MODULE: ./node_modules/commander/lib/error.js
/**
 * CommanderError class
 */
class CommanderError extends Error {
  /**
   * Constructs the CommanderError class
   * @param {number} exitCode suggested exit code which could be used with process.exit
   * @param {string} code an id string representing the error
   * @param {string} message human-readable description of the error
   */
  constructor(exitCode, code, message) {
    super(message);
    // properly capture stack trace in Node.js
    Error.captureStackTrace(this, this.constructor);
    this.name = this.constructor.name;
    this.code = code;
    this.exitCode = exitCode;
    this.nestedError = undefined;
  }
}

/**
 * InvalidArgumentError class
 */
class InvalidArgumentError extends CommanderError {
  /**
   * Constructs the InvalidArgumentError class
   * @param {string} [message] explanation of why argument is invalid
   */
  constructor(message) {
    super(1, 'commander.invalidArgument', message);
    // properly capture stack trace in Node.js
    Error.captureStackTrace(this, this.constructor);
    this.name = this.constructor.name;
  }
}

;// CONCATENATED MODULE: ./node_modules/commander/lib/argument.js


class argument_Argument {
  /**
   * Initialize a new command argument with the given name and description.
   * The default is that the argument is required, and you can explicitly
   * indicate this with <> around the name. Put [] around the name for an optional argument.
   *
   * @param {string} name
   * @param {string} [description]
   */

  constructor(name, description) {
    this.description = description || '';
    this.variadic = false;
    this.parseArg = undefined;
    this.defaultValue = undefined;
    this.defaultValueDescription = undefined;
    this.argChoices = undefined;

    switch (name[0]) {
      case '<': // e.g. <required>
        this.required = true;
        this._name = name.slice(1, -1);
        break;
      case '[': // e.g. [optional]
        this.required = false;
        this._name = name.slice(1, -1);
        break;
      default:
        this.required = true;
        this._name = name;
        break;
    }

    if (this._name.endsWith('...')) {
      this.variadic = true;
      this._name = this._name.slice(0, -3);
    }
  }

  /**
   * Return argument name.
   *
   * @return {string}
   */

  name() {
    return this._name;
  }

  /**
   * @package
   */

  _collectValue(value, previous) {
    if (previous === this.defaultValue || !Array.isArray(previous)) {
      return [value];
    }

    previous.push(value);
    return previous;
  }

  /**
   * Set the default value, and optionally supply the description to be displayed in the help.
   *
   * @param {*} value
   * @param {string} [description]
   * @return {Argument}
   */

  default(value, description) {
    this.defaultValue = value;
    this.defaultValueDescription = description;
    return this;
  }

  /**
   * Set the custom handler for processing CLI command arguments into argument values.
   *
   * @param {Function} [fn]
   * @return {Argument}
   */

  argParser(fn) {
    this.parseArg = fn;
    return this;
  }

  /**
   * Only allow argument value to be one of choices.
   *
   * @param {string[]} values
   * @return {Argument}
   */

  choices(values) {
    this.argChoices = values.slice();
    this.parseArg = (arg, previous) => {
      if (!this.argChoices.includes(arg)) {
        throw new InvalidArgumentError(
          `Allowed choices are ${this.argChoices.join(', ')}.`,
        );
      }
      if (this.variadic) {
        return this._collectValue(arg, previous);
      }
      return arg;
    };
    return this;
  }

  /**
   * Make argument required.
   *
   * @returns {Argument}
   */
  argRequired() {
    this.required = true;
    return this;
  }

  /**
   * Make argument optional.
   *
   * @returns {Argument}
   */
  argOptional() {
    this.required = false;
    return this;
  }
}

/**
 * Takes an argument and returns its human readable equivalent for help usage.
 *
 * @param {Argument} arg
 * @return {string}
 * @private
 */

function humanReadableArgName(arg) {
  const nameOutput = arg.name() + (arg.variadic === true ? '...' : '');

  return arg.required ? '<' + nameOutput + '>' : '[' + nameOutput + ']';
}

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __nccwpck_require__(8474);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __nccwpck_require__(1421);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:process"
var external_node_process_ = __nccwpck_require__(1708);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __nccwpck_require__(7975);
;// CONCATENATED MODULE: ./node_modules/commander/lib/help.js



/**
 * TypeScript import types for JSDoc, used by Visual Studio Code IntelliSense and `npm run typescript-checkJS`
 * https://www.typescriptlang.org/docs/handbook/jsdoc-supported-types.html#import-types
 * @typedef { import("./argument.js").Argument } Argument
 * @typedef { import("./command.js").Command } Command
 * @typedef { import("./option.js").Option } Option
 */

// Although this is a class, methods are static in style to allow override using subclass or just functions.
class Help {
  constructor() {
    this.helpWidth = undefined;
    this.minWidthToWrap = 40;
    this.sortSubcommands = false;
    this.sortOptions = false;
    this.showGlobalOptions = false;
  }

  /**
   * prepareContext is called by Commander after applying overrides from `Command.configureHelp()`
   * and just before calling `formatHelp()`.
   *
   * Commander just uses the helpWidth and the rest is provided for optional use by more complex subclasses.
   *
   * @param {{ error?: boolean, helpWidth?: number, outputHasColors?: boolean }} contextOptions
   */
  prepareContext(contextOptions) {
    this.helpWidth = this.helpWidth ?? contextOptions.helpWidth ?? 80;
  }

  /**
   * Get an array of the visible subcommands. Includes a placeholder for the implicit help command, if there is one.
   *
   * @param {Command} cmd
   * @returns {Command[]}
   */

  visibleCommands(cmd) {
    const visibleCommands = cmd.commands.filter((cmd) => !cmd._hidden);
    const helpCommand = cmd._getHelpCommand();
    if (helpCommand && !helpCommand._hidden) {
      visibleCommands.push(helpCommand);
    }
    if (this.sortSubcommands) {
      visibleCommands.sort((a, b) => {
        // @ts-ignore: because overloaded return type
        return a.name().localeCompare(b.name());
      });
    }
    return visibleCommands;
  }

  /**
   * Compare options for sort.
   *
   * @param {Option} a
   * @param {Option} b
   * @returns {number}
   */
  compareOptions(a, b) {
    const getSortKey = (option) => {
      // WYSIWYG for order displayed in help. Short used for comparison if present. No special handling for negated.
      return option.short
        ? option.short.replace(/^-/, '')
        : option.long.replace(/^--/, '');
    };
    return getSortKey(a).localeCompare(getSortKey(b));
  }

  /**
   * Get an array of the visible options. Includes a placeholder for the implicit help option, if there is one.
   *
   * @param {Command} cmd
   * @returns {Option[]}
   */

  visibleOptions(cmd) {
    const visibleOptions = cmd.options.filter((option) => !option.hidden);
    // Built-in help option.
    const helpOption = cmd._getHelpOption();
    if (helpOption && !helpOption.hidden) {
      // Automatically hide conflicting flags. Bit dubious but a historical behaviour that is convenient for single-command programs.
      const removeShort = helpOption.short && cmd._findOption(helpOption.short);
      const removeLong = helpOption.long && cmd._findOption(helpOption.long);
      if (!removeShort && !removeLong) {
        visibleOptions.push(helpOption); // no changes needed
      } else if (helpOption.long && !removeLong) {
        visibleOptions.push(
          cmd
            .createOption(helpOption.long, helpOption.description)
            .helpGroup(helpOption.helpGroupHeading),
        );
      } else if (helpOption.short && !removeShort) {
        visibleOptions.push(
          cmd
            .createOption(helpOption.short, helpOption.description)
            .helpGroup(helpOption.helpGroupHeading),
        );
      }
    }
    if (this.sortOptions) {
      visibleOptions.sort(this.compareOptions);
    }
    return visibleOptions;
  }

  /**
   * Get an array of the visible global options. (Not including help.)
   *
   * @param {Command} cmd
   * @returns {Option[]}
   */

  visibleGlobalOptions(cmd) {
    if (!this.showGlobalOptions) return [];

    const globalOptions = [];
    for (
      let ancestorCmd = cmd.parent;
      ancestorCmd;
      ancestorCmd = ancestorCmd.parent
    ) {
      const visibleOptions = ancestorCmd.options.filter(
        (option) => !option.hidden,
      );
      globalOptions.push(...visibleOptions);
    }
    if (this.sortOptions) {
      globalOptions.sort(this.compareOptions);
    }
    return globalOptions;
  }

  /**
   * Get an array of the arguments if any have a description.
   *
   * @param {Command} cmd
   * @returns {Argument[]}
   */

  visibleArguments(cmd) {
    // Side effect! Apply the legacy descriptions before the arguments are displayed.
    if (cmd._argsDescription) {
      cmd.registeredArguments.forEach((argument) => {
        argument.description =
          argument.description || cmd._argsDescription[argument.name()] || '';
      });
    }

    // If there are any arguments with a description then return all the arguments.
    if (cmd.registeredArguments.find((argument) => argument.description)) {
      return cmd.registeredArguments;
    }
    return [];
  }

  /**
   * Get the command term to show in the list of subcommands.
   *
   * @param {Command} cmd
   * @returns {string}
   */

  subcommandTerm(cmd) {
    // Legacy. Ignores custom usage string, and nested commands.
    const args = cmd.registeredArguments
      .map((arg) => humanReadableArgName(arg))
      .join(' ');
    return (
      cmd._name +
      (cmd._aliases[0] ? '|' + cmd._aliases[0] : '') +
      (cmd.options.length ? ' [options]' : '') + // simplistic check for non-help option
      (args ? ' ' + args : '')
    );
  }

  /**
   * Get the option term to show in the list of options.
   *
   * @param {Option} option
   * @returns {string}
   */

  optionTerm(option) {
    return option.flags;
  }

  /**
   * Get the argument term to show in the list of arguments.
   *
   * @param {Argument} argument
   * @returns {string}
   */

  argumentTerm(argument) {
    return argument.name();
  }

  /**
   * Get the longest command term length.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {number}
   */

  longestSubcommandTermLength(cmd, helper) {
    return helper.visibleCommands(cmd).reduce((max, command) => {
      return Math.max(
        max,
        this.displayWidth(
          helper.styleSubcommandTerm(helper.subcommandTerm(command)),
        ),
      );
    }, 0);
  }

  /**
   * Get the longest option term length.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {number}
   */

  longestOptionTermLength(cmd, helper) {
    return helper.visibleOptions(cmd).reduce((max, option) => {
      return Math.max(
        max,
        this.displayWidth(helper.styleOptionTerm(helper.optionTerm(option))),
      );
    }, 0);
  }

  /**
   * Get the longest global option term length.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {number}
   */

  longestGlobalOptionTermLength(cmd, helper) {
    return helper.visibleGlobalOptions(cmd).reduce((max, option) => {
      return Math.max(
        max,
        this.displayWidth(helper.styleOptionTerm(helper.optionTerm(option))),
      );
    }, 0);
  }

  /**
   * Get the longest argument term length.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {number}
   */

  longestArgumentTermLength(cmd, helper) {
    return helper.visibleArguments(cmd).reduce((max, argument) => {
      return Math.max(
        max,
        this.displayWidth(
          helper.styleArgumentTerm(helper.argumentTerm(argument)),
        ),
      );
    }, 0);
  }

  /**
   * Get the command usage to be displayed at the top of the built-in help.
   *
   * @param {Command} cmd
   * @returns {string}
   */

  commandUsage(cmd) {
    // Usage
    let cmdName = cmd._name;
    if (cmd._aliases[0]) {
      cmdName = cmdName + '|' + cmd._aliases[0];
    }
    let ancestorCmdNames = '';
    for (
      let ancestorCmd = cmd.parent;
      ancestorCmd;
      ancestorCmd = ancestorCmd.parent
    ) {
      ancestorCmdNames = ancestorCmd.name() + ' ' + ancestorCmdNames;
    }
    return ancestorCmdNames + cmdName + ' ' + cmd.usage();
  }

  /**
   * Get the description for the command.
   *
   * @param {Command} cmd
   * @returns {string}
   */

  commandDescription(cmd) {
    // @ts-ignore: because overloaded return type
    return cmd.description();
  }

  /**
   * Get the subcommand summary to show in the list of subcommands.
   * (Fallback to description for backwards compatibility.)
   *
   * @param {Command} cmd
   * @returns {string}
   */

  subcommandDescription(cmd) {
    // @ts-ignore: because overloaded return type
    return cmd.summary() || cmd.description();
  }

  /**
   * Get the option description to show in the list of options.
   *
   * @param {Option} option
   * @return {string}
   */

  optionDescription(option) {
    const extraInfo = [];

    if (option.argChoices) {
      extraInfo.push(
        // use stringify to match the display of the default value
        `choices: ${option.argChoices.map((choice) => JSON.stringify(choice)).join(', ')}`,
      );
    }
    if (option.defaultValue !== undefined) {
      // default for boolean and negated more for programmer than end user,
      // but show true/false for boolean option as may be for hand-rolled env or config processing.
      const showDefault =
        option.required ||
        option.optional ||
        (option.isBoolean() && typeof option.defaultValue === 'boolean');
      if (showDefault) {
        extraInfo.push(
          `default: ${option.defaultValueDescription || JSON.stringify(option.defaultValue)}`,
        );
      }
    }
    // preset for boolean and negated are more for programmer than end user
    if (option.presetArg !== undefined && option.optional) {
      extraInfo.push(`preset: ${JSON.stringify(option.presetArg)}`);
    }
    if (option.envVar !== undefined) {
      extraInfo.push(`env: ${option.envVar}`);
    }
    if (extraInfo.length > 0) {
      const extraDescription = `(${extraInfo.join(', ')})`;
      if (option.description) {
        return `${option.description} ${extraDescription}`;
      }
      return extraDescription;
    }

    return option.description;
  }

  /**
   * Get the argument description to show in the list of arguments.
   *
   * @param {Argument} argument
   * @return {string}
   */

  argumentDescription(argument) {
    const extraInfo = [];
    if (argument.argChoices) {
      extraInfo.push(
        // use stringify to match the display of the default value
        `choices: ${argument.argChoices.map((choice) => JSON.stringify(choice)).join(', ')}`,
      );
    }
    if (argument.defaultValue !== undefined) {
      extraInfo.push(
        `default: ${argument.defaultValueDescription || JSON.stringify(argument.defaultValue)}`,
      );
    }
    if (extraInfo.length > 0) {
      const extraDescription = `(${extraInfo.join(', ')})`;
      if (argument.description) {
        return `${argument.description} ${extraDescription}`;
      }
      return extraDescription;
    }
    return argument.description;
  }

  /**
   * Format a list of items, given a heading and an array of formatted items.
   *
   * @param {string} heading
   * @param {string[]} items
   * @param {Help} helper
   * @returns string[]
   */
  formatItemList(heading, items, helper) {
    if (items.length === 0) return [];

    return [helper.styleTitle(heading), ...items, ''];
  }

  /**
   * Group items by their help group heading.
   *
   * @param {Command[] | Option[]} unsortedItems
   * @param {Command[] | Option[]} visibleItems
   * @param {Function} getGroup
   * @returns {Map<string, Command[] | Option[]>}
   */
  groupItems(unsortedItems, visibleItems, getGroup) {
    const result = new Map();
    // Add groups in order of appearance in unsortedItems.
    unsortedItems.forEach((item) => {
      const group = getGroup(item);
      if (!result.has(group)) result.set(group, []);
    });
    // Add items in order of appearance in visibleItems.
    visibleItems.forEach((item) => {
      const group = getGroup(item);
      if (!result.has(group)) {
        result.set(group, []);
      }
      result.get(group).push(item);
    });
    return result;
  }

  /**
   * Generate the built-in help text.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {string}
   */

  formatHelp(cmd, helper) {
    const termWidth = helper.padWidth(cmd, helper);
    const helpWidth = helper.helpWidth ?? 80; // in case prepareContext() was not called

    function callFormatItem(term, description) {
      return helper.formatItem(term, termWidth, description, helper);
    }

    // Usage
    let output = [
      `${helper.styleTitle('Usage:')} ${helper.styleUsage(helper.commandUsage(cmd))}`,
      '',
    ];

    // Description
    const commandDescription = helper.commandDescription(cmd);
    if (commandDescription.length > 0) {
      output = output.concat([
        helper.boxWrap(
          helper.styleCommandDescription(commandDescription),
          helpWidth,
        ),
        '',
      ]);
    }

    // Arguments
    const argumentList = helper.visibleArguments(cmd).map((argument) => {
      return callFormatItem(
        helper.styleArgumentTerm(helper.argumentTerm(argument)),
        helper.styleArgumentDescription(helper.argumentDescription(argument)),
      );
    });
    output = output.concat(
      this.formatItemList('Arguments:', argumentList, helper),
    );

    // Options
    const optionGroups = this.groupItems(
      cmd.options,
      helper.visibleOptions(cmd),
      (option) => option.helpGroupHeading ?? 'Options:',
    );
    optionGroups.forEach((options, group) => {
      const optionList = options.map((option) => {
        return callFormatItem(
          helper.styleOptionTerm(helper.optionTerm(option)),
          helper.styleOptionDescription(helper.optionDescription(option)),
        );
      });
      output = output.concat(this.formatItemList(group, optionList, helper));
    });

    if (helper.showGlobalOptions) {
      const globalOptionList = helper
        .visibleGlobalOptions(cmd)
        .map((option) => {
          return callFormatItem(
            helper.styleOptionTerm(helper.optionTerm(option)),
            helper.styleOptionDescription(helper.optionDescription(option)),
          );
        });
      output = output.concat(
        this.formatItemList('Global Options:', globalOptionList, helper),
      );
    }

    // Commands
    const commandGroups = this.groupItems(
      cmd.commands,
      helper.visibleCommands(cmd),
      (sub) => sub.helpGroup() || 'Commands:',
    );
    commandGroups.forEach((commands, group) => {
      const commandList = commands.map((sub) => {
        return callFormatItem(
          helper.styleSubcommandTerm(helper.subcommandTerm(sub)),
          helper.styleSubcommandDescription(helper.subcommandDescription(sub)),
        );
      });
      output = output.concat(this.formatItemList(group, commandList, helper));
    });

    return output.join('\n');
  }

  /**
   * Return display width of string, ignoring ANSI escape sequences. Used in padding and wrapping calculations.
   *
   * @param {string} str
   * @returns {number}
   */
  displayWidth(str) {
    return (0,external_node_util_.stripVTControlCharacters)(str).length;
  }

  /**
   * Style the title for displaying in the help. Called with 'Usage:', 'Options:', etc.
   *
   * @param {string} str
   * @returns {string}
   */
  styleTitle(str) {
    return str;
  }

  styleUsage(str) {
    // Usage has lots of parts the user might like to color separately! Assume default usage string which is formed like:
    //    command subcommand [options] [command] <foo> [bar]
    return str
      .split(' ')
      .map((word) => {
        if (word === '[options]') return this.styleOptionText(word);
        if (word === '[command]') return this.styleSubcommandText(word);
        if (word[0] === '[' || word[0] === '<')
          return this.styleArgumentText(word);
        return this.styleCommandText(word); // Restrict to initial words?
      })
      .join(' ');
  }
  styleCommandDescription(str) {
    return this.styleDescriptionText(str);
  }
  styleOptionDescription(str) {
    return this.styleDescriptionText(str);
  }
  styleSubcommandDescription(str) {
    return this.styleDescriptionText(str);
  }
  styleArgumentDescription(str) {
    return this.styleDescriptionText(str);
  }
  styleDescriptionText(str) {
    return str;
  }
  styleOptionTerm(str) {
    return this.styleOptionText(str);
  }
  styleSubcommandTerm(str) {
    // This is very like usage with lots of parts! Assume default string which is formed like:
    //    subcommand [options] <foo> [bar]
    return str
      .split(' ')
      .map((word) => {
        if (word === '[options]') return this.styleOptionText(word);
        if (word[0] === '[' || word[0] === '<')
          return this.styleArgumentText(word);
        return this.styleSubcommandText(word); // Restrict to initial words?
      })
      .join(' ');
  }
  styleArgumentTerm(str) {
    return this.styleArgumentText(str);
  }
  styleOptionText(str) {
    return str;
  }
  styleArgumentText(str) {
    return str;
  }
  styleSubcommandText(str) {
    return str;
  }
  styleCommandText(str) {
    return str;
  }

  /**
   * Calculate the pad width from the maximum term length.
   *
   * @param {Command} cmd
   * @param {Help} helper
   * @returns {number}
   */

  padWidth(cmd, helper) {
    return Math.max(
      helper.longestOptionTermLength(cmd, helper),
      helper.longestGlobalOptionTermLength(cmd, helper),
      helper.longestSubcommandTermLength(cmd, helper),
      helper.longestArgumentTermLength(cmd, helper),
    );
  }

  /**
   * Detect manually wrapped and indented strings by checking for line break followed by whitespace.
   *
   * @param {string} str
   * @returns {boolean}
   */
  preformatted(str) {
    return /\n[^\S\r\n]/.test(str);
  }

  /**
   * Format the "item", which consists of a term and description. Pad the term and wrap the description, indenting the following lines.
   *
   * So "TTT", 5, "DDD DDDD DD DDD" might be formatted for this.helpWidth=17 like so:
   *   TTT  DDD DDDD
   *        DD DDD
   *
   * @param {string} term
   * @param {number} termWidth
   * @param {string} description
   * @param {Help} helper
   * @returns {string}
   */
  formatItem(term, termWidth, description, helper) {
    const itemIndent = 2;
    const itemIndentStr = ' '.repeat(itemIndent);
    if (!description) return itemIndentStr + term;

    // Pad the term out to a consistent width, so descriptions are aligned.
    const paddedTerm = term.padEnd(
      termWidth + term.length - helper.displayWidth(term),
    );

    // Format the description.
    const spacerWidth = 2; // between term and description
    const helpWidth = this.helpWidth ?? 80; // in case prepareContext() was not called
    const remainingWidth = helpWidth - termWidth - spacerWidth - itemIndent;
    let formattedDescription;
    if (
      remainingWidth < this.minWidthToWrap ||
      helper.preformatted(description)
    ) {
      formattedDescription = description;
    } else {
      const wrappedDescription = helper.boxWrap(description, remainingWidth);
      formattedDescription = wrappedDescription.replace(
        /\n/g,
        '\n' + ' '.repeat(termWidth + spacerWidth),
      );
    }

    // Construct and overall indent.
    return (
      itemIndentStr +
      paddedTerm +
      ' '.repeat(spacerWidth) +
      formattedDescription.replace(/\n/g, `\n${itemIndentStr}`)
    );
  }

  /**
   * Wrap a string at whitespace, preserving existing line breaks.
   * Wrapping is skipped if the width is less than `minWidthToWrap`.
   *
   * @param {string} str
   * @param {number} width
   * @returns {string}
   */
  boxWrap(str, width) {
    if (width < this.minWidthToWrap) return str;

    const rawLines = str.split(/\r\n|\n/);
    // split up text by whitespace
    const chunkPattern = /[\s]*[^\s]+/g;
    const wrappedLines = [];
    rawLines.forEach((line) => {
      const chunks = line.match(chunkPattern);
      if (chunks === null) {
        wrappedLines.push('');
        return;
      }

      let sumChunks = [chunks.shift()];
      let sumWidth = this.displayWidth(sumChunks[0]);
      chunks.forEach((chunk) => {
        const visibleWidth = this.displayWidth(chunk);
        // Accumulate chunks while they fit into width.
        if (sumWidth + visibleWidth <= width) {
          sumChunks.push(chunk);
          sumWidth += visibleWidth;
          return;
        }
        wrappedLines.push(sumChunks.join(''));

        const nextChunk = chunk.trimStart(); // trim space at line break
        sumChunks = [nextChunk];
        sumWidth = this.displayWidth(nextChunk);
      });
      wrappedLines.push(sumChunks.join(''));
    });

    return wrappedLines.join('\n');
  }
}

;// CONCATENATED MODULE: ./node_modules/commander/lib/option.js


class option_Option {
  /**
   * Initialize a new `Option` with the given `flags` and `description`.
   *
   * @param {string} flags
   * @param {string} [description]
   */

  constructor(flags, description) {
    this.flags = flags;
    this.description = description || '';

    this.required = flags.includes('<'); // A value must be supplied when the option is specified.
    this.optional = flags.includes('['); // A value is optional when the option is specified.
    // variadic test ignores <value,...> et al which might be used to describe custom splitting of single argument
    this.variadic = /\p{ID_Continue}\.\.\.[>\]]$/u.test(flags); // The option can take multiple values.
    this.mandatory = false; // The option must have a value after parsing, which usually means it must be specified on command line.
    const optionFlags = splitOptionFlags(flags);
    this.short = optionFlags.shortFlag; // May be a short flag, undefined, or even a long flag (if option has two long flags).
    this.long = optionFlags.longFlag;
    this.negate = false;
    if (this.long) {
      this.negate = this.long.startsWith('--no-');
    }
    this.defaultValue = undefined;
    this.defaultValueDescription = undefined;
    this.presetArg = undefined;
    this.envVar = undefined;
    this.parseArg = undefined;
    this.hidden = false;
    this.argChoices = undefined;
    this.conflictsWith = [];
    this.implied = undefined;
    this.helpGroupHeading = undefined; // soft initialised when option added to command
  }

  /**
   * Set the default value, and optionally supply the description to be displayed in the help.
   *
   * @param {*} value
   * @param {string} [description]
   * @return {Option}
   */

  default(value, description) {
    this.defaultValue = value;
    this.defaultValueDescription = description;
    return this;
  }

  /**
   * Preset to use when option used without option-argument, especially optional but also boolean and negated.
   * The custom processing (parseArg) is called.
   *
   * @example
   * new Option('--color').default('GREYSCALE').preset('RGB');
   * new Option('--donate [amount]').preset('20').argParser(parseFloat);
   *
   * @param {*} arg
   * @return {Option}
   */

  preset(arg) {
    this.presetArg = arg;
    return this;
  }

  /**
   * Add option name(s) that conflict with this option.
   * An error will be displayed if conflicting options are found during parsing.
   *
   * @example
   * new Option('--rgb').conflicts('cmyk');
   * new Option('--js').conflicts(['ts', 'jsx']);
   *
   * @param {(string | string[])} names
   * @return {Option}
   */

  conflicts(names) {
    this.conflictsWith = this.conflictsWith.concat(names);
    return this;
  }

  /**
   * Specify implied option values for when this option is set and the implied options are not.
   *
   * The custom processing (parseArg) is not called on the implied values.
   *
   * @example
   * program
   *   .addOption(new Option('--log', 'write logging information to file'))
   *   .addOption(new Option('--trace', 'log extra details').implies({ log: 'trace.txt' }));
   *
   * @param {object} impliedOptionValues
   * @return {Option}
   */
  implies(impliedOptionValues) {
    let newImplied = impliedOptionValues;
    if (typeof impliedOptionValues === 'string') {
      // string is not documented, but easy mistake and we can do what user probably intended.
      newImplied = { [impliedOptionValues]: true };
    }
    this.implied = Object.assign(this.implied || {}, newImplied);
    return this;
  }

  /**
   * Set environment variable to check for option value.
   *
   * An environment variable is only used if when processed the current option value is
   * undefined, or the source of the current value is 'default' or 'config' or 'env'.
   *
   * @param {string} name
   * @return {Option}
   */

  env(name) {
    this.envVar = name;
    return this;
  }

  /**
   * Set the custom handler for processing CLI option arguments into option values.
   *
   * @param {Function} [fn]
   * @return {Option}
   */

  argParser(fn) {
    this.parseArg = fn;
    return this;
  }

  /**
   * Whether the option is mandatory and must have a value after parsing.
   *
   * @param {boolean} [mandatory=true]
   * @return {Option}
   */

  makeOptionMandatory(mandatory = true) {
    this.mandatory = !!mandatory;
    return this;
  }

  /**
   * Hide option in help.
   *
   * @param {boolean} [hide=true]
   * @return {Option}
   */

  hideHelp(hide = true) {
    this.hidden = !!hide;
    return this;
  }

  /**
   * @package
   */

  _collectValue(value, previous) {
    if (previous === this.defaultValue || !Array.isArray(previous)) {
      return [value];
    }

    previous.push(value);
    return previous;
  }

  /**
   * Only allow option value to be one of choices.
   *
   * @param {string[]} values
   * @return {Option}
   */

  choices(values) {
    this.argChoices = values.slice();
    this.parseArg = (arg, previous) => {
      if (!this.argChoices.includes(arg)) {
        throw new InvalidArgumentError(
          `Allowed choices are ${this.argChoices.join(', ')}.`,
        );
      }
      if (this.variadic) {
        return this._collectValue(arg, previous);
      }
      return arg;
    };
    return this;
  }

  /**
   * Return option name.
   *
   * @return {string}
   */

  name() {
    if (this.long) {
      return this.long.replace(/^--/, '');
    }
    return this.short.replace(/^-/, '');
  }

  /**
   * Return option name, in a camelcase format that can be used
   * as an object attribute key.
   *
   * @return {string}
   */

  attributeName() {
    if (this.negate) {
      return camelcase(this.name().replace(/^no-/, ''));
    }
    return camelcase(this.name());
  }

  /**
   * Set the help group heading.
   *
   * @param {string} heading
   * @return {Option}
   */
  helpGroup(heading) {
    this.helpGroupHeading = heading;
    return this;
  }

  /**
   * Check if `arg` matches the short or long flag.
   *
   * @param {string} arg
   * @return {boolean}
   * @package
   */

  is(arg) {
    return this.short === arg || this.long === arg;
  }

  /**
   * Return whether a boolean option.
   *
   * Options are one of boolean, negated, required argument, or optional argument.
   *
   * @return {boolean}
   * @package
   */

  isBoolean() {
    return !this.required && !this.optional && !this.negate;
  }
}

/**
 * This class is to make it easier to work with dual options, without changing the existing
 * implementation. We support separate dual options for separate positive and negative options,
 * like `--build` and `--no-build`, which share a single option value. This works nicely for some
 * use cases, but is tricky for others where we want separate behaviours despite
 * the single shared option value.
 */
class DualOptions {
  /**
   * @param {Option[]} options
   */
  constructor(options) {
    this.positiveOptions = new Map();
    this.negativeOptions = new Map();
    this.dualOptions = new Set();
    options.forEach((option) => {
      if (option.negate) {
        this.negativeOptions.set(option.attributeName(), option);
      } else {
        this.positiveOptions.set(option.attributeName(), option);
      }
    });
    this.negativeOptions.forEach((value, key) => {
      if (this.positiveOptions.has(key)) {
        this.dualOptions.add(key);
      }
    });
  }

  /**
   * Did the value come from the option, and not from possible matching dual option?
   *
   * @param {*} value
   * @param {Option} option
   * @returns {boolean}
   */
  valueFromOption(value, option) {
    const optionKey = option.attributeName();
    if (!this.dualOptions.has(optionKey)) return true;

    // Use the value to deduce if (probably) came from the option.
    const preset = this.negativeOptions.get(optionKey).presetArg;
    const negativeValue = preset !== undefined ? preset : false;
    return option.negate === (negativeValue === value);
  }
}

/**
 * Convert string from kebab-case to camelCase.
 *
 * @param {string} str
 * @return {string}
 * @private
 */

function camelcase(str) {
  return str.split('-').reduce((str, word) => {
    return str + word[0].toUpperCase() + word.slice(1);
  });
}

/**
 * Split the short and long flag out of something like '-m,--mixed <value>'
 *
 * @private
 */

function splitOptionFlags(flags) {
  let shortFlag;
  let longFlag;
  // short flag, single dash and single character
  const shortFlagExp = /^-[^-]$/;
  // long flag, double dash and at least one character
  const longFlagExp = /^--[^-]/;

  const flagParts = flags.split(/[ |,]+/).concat('guard');
  // Normal is short and/or long.
  if (shortFlagExp.test(flagParts[0])) shortFlag = flagParts.shift();
  if (longFlagExp.test(flagParts[0])) longFlag = flagParts.shift();
  // Long then short. Rarely used but fine.
  if (!shortFlag && shortFlagExp.test(flagParts[0]))
    shortFlag = flagParts.shift();
  // Allow two long flags, like '--ws, --workspace'
  // This is the supported way to have a shortish option flag.
  if (!shortFlag && longFlagExp.test(flagParts[0])) {
    shortFlag = longFlag;
    longFlag = flagParts.shift();
  }

  // Check for unprocessed flag. Fail noisily rather than silently ignore.
  if (flagParts[0].startsWith('-')) {
    const unsupportedFlag = flagParts[0];
    const baseError = `option creation failed due to '${unsupportedFlag}' in option flags '${flags}'`;
    if (/^-[^-][^-]/.test(unsupportedFlag))
      throw new Error(
        `${baseError}
- a short flag is a single dash and a single character
  - either use a single dash and a single character (for a short flag)
  - or use a double dash for a long option (and can have two, like '--ws, --workspace')`,
      );
    if (shortFlagExp.test(unsupportedFlag))
      throw new Error(`${baseError}
- too many short flags`);
    if (longFlagExp.test(unsupportedFlag))
      throw new Error(`${baseError}
- too many long flags`);

    throw new Error(`${baseError}
- unrecognised flag format`);
  }
  if (shortFlag === undefined && longFlag === undefined)
    throw new Error(
      `option creation failed due to no flags found in '${flags}'.`,
    );

  return { shortFlag, longFlag };
}

;// CONCATENATED MODULE: ./node_modules/commander/lib/suggestSimilar.js
const maxDistance = 3;

function editDistance(a, b) {
  // https://en.wikipedia.org/wiki/Damerau–Levenshtein_distance
  // Calculating optimal string alignment distance, no substring is edited more than once.
  // (Simple implementation.)

  // Quick early exit, return worst case.
  if (Math.abs(a.length - b.length) > maxDistance)
    return Math.max(a.length, b.length);

  // distance between prefix substrings of a and b
  const d = [];

  // pure deletions turn a into empty string
  for (let i = 0; i <= a.length; i++) {
    d[i] = [i];
  }
  // pure insertions turn empty string into b
  for (let j = 0; j <= b.length; j++) {
    d[0][j] = j;
  }

  // fill matrix
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      let cost;
      if (a[i - 1] === b[j - 1]) {
        cost = 0;
      } else {
        cost = 1;
      }
      d[i][j] = Math.min(
        d[i - 1][j] + 1, // deletion
        d[i][j - 1] + 1, // insertion
        d[i - 1][j - 1] + cost, // substitution
      );
      // transposition
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }

  return d[a.length][b.length];
}

/**
 * Find close matches, restricted to same number of edits.
 *
 * @param {string} word
 * @param {string[]} candidates
 * @returns {string}
 */

function suggestSimilar(word, candidates) {
  if (!candidates || candidates.length === 0) return '';
  // remove possible duplicates
  candidates = Array.from(new Set(candidates));

  const searchingOptions = word.startsWith('--');
  if (searchingOptions) {
    word = word.slice(2);
    candidates = candidates.map((candidate) => candidate.slice(2));
  }

  let similar = [];
  let bestDistance = maxDistance;
  const minSimilarity = 0.4;
  candidates.forEach((candidate) => {
    if (candidate.length <= 1) return; // no one character guesses

    const distance = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    const similarity = (length - distance) / length;
    if (similarity > minSimilarity) {
      if (distance < bestDistance) {
        // better edit distance, throw away previous worse matches
        bestDistance = distance;
        similar = [candidate];
      } else if (distance === bestDistance) {
        similar.push(candidate);
      }
    }
  });

  similar.sort((a, b) => a.localeCompare(b));
  if (searchingOptions) {
    similar = similar.map((candidate) => `--${candidate}`);
  }

  if (similar.length > 1) {
    return `\n(Did you mean one of ${similar.join(', ')}?)`;
  }
  if (similar.length === 1) {
    return `\n(Did you mean ${similar[0]}?)`;
  }
  return '';
}

;// CONCATENATED MODULE: ./node_modules/commander/lib/command.js













class command_Command extends external_node_events_.EventEmitter {
  /**
   * Initialize a new `Command`.
   *
   * @param {string} [name]
   */

  constructor(name) {
    super();
    /** @type {Command[]} */
    this.commands = [];
    /** @type {Option[]} */
    this.options = [];
    this.parent = null;
    this._allowUnknownOption = false;
    this._allowExcessArguments = false;
    /** @type {Argument[]} */
    this.registeredArguments = [];
    this._args = this.registeredArguments; // deprecated old name
    /** @type {string[]} */
    this.args = []; // cli args with options removed
    this.rawArgs = [];
    this.processedArgs = []; // like .args but after custom processing and collecting variadic
    this._scriptPath = null;
    this._name = name || '';
    this._optionValues = {};
    this._optionValueSources = {}; // default, env, cli etc
    this._storeOptionsAsProperties = false;
    this._actionHandler = null;
    this._executableHandler = false;
    this._executableFile = null; // custom name for executable
    this._executableDir = null; // custom search directory for subcommands
    this._defaultCommandName = null;
    this._exitCallback = null;
    this._aliases = [];
    this._combineFlagAndOptionalValue = true;
    this._description = '';
    this._summary = '';
    this._argsDescription = undefined; // legacy
    this._enablePositionalOptions = false;
    this._passThroughOptions = false;
    this._lifeCycleHooks = {}; // a hash of arrays
    /** @type {(boolean | string)} */
    this._showHelpAfterError = false;
    this._showSuggestionAfterError = true;
    this._savedState = null; // used in save/restoreStateBeforeParse

    // see configureOutput() for docs
    this._outputConfiguration = {
      writeOut: (str) => external_node_process_.stdout.write(str),
      writeErr: (str) => external_node_process_.stderr.write(str),
      outputError: (str, write) => write(str),
      getOutHelpWidth: () =>
        external_node_process_.stdout.isTTY ? external_node_process_.stdout.columns : undefined,
      getErrHelpWidth: () =>
        external_node_process_.stderr.isTTY ? external_node_process_.stderr.columns : undefined,
      getOutHasColors: () =>
        useColor() ?? (external_node_process_.stdout.isTTY && external_node_process_.stdout.hasColors?.()),
      getErrHasColors: () =>
        useColor() ?? (external_node_process_.stderr.isTTY && external_node_process_.stderr.hasColors?.()),
      stripColor: (str) => (0,external_node_util_.stripVTControlCharacters)(str),
    };

    this._hidden = false;
    /** @type {(Option | null | undefined)} */
    this._helpOption = undefined; // Lazy created on demand. May be null if help option is disabled.
    this._addImplicitHelpCommand = undefined; // undecided whether true or false yet, not inherited
    /** @type {Command} */
    this._helpCommand = undefined; // lazy initialised, inherited
    this._helpConfiguration = {};
    /** @type {string | undefined} */
    this._helpGroupHeading = undefined; // soft initialised when added to parent
    /** @type {string | undefined} */
    this._defaultCommandGroup = undefined;
    /** @type {string | undefined} */
    this._defaultOptionGroup = undefined;
  }

  /**
   * Copy settings that are useful to have in common across root command and subcommands.
   *
   * (Used internally when adding a command using `.command()` so subcommands inherit parent settings.)
   *
   * @param {Command} sourceCommand
   * @return {Command} `this` command for chaining
   */
  copyInheritedSettings(sourceCommand) {
    this._outputConfiguration = sourceCommand._outputConfiguration;
    this._helpOption = sourceCommand._helpOption;
    this._helpCommand = sourceCommand._helpCommand;
    this._helpConfiguration = sourceCommand._helpConfiguration;
    this._exitCallback = sourceCommand._exitCallback;
    this._storeOptionsAsProperties = sourceCommand._storeOptionsAsProperties;
    this._combineFlagAndOptionalValue =
      sourceCommand._combineFlagAndOptionalValue;
    this._allowExcessArguments = sourceCommand._allowExcessArguments;
    this._enablePositionalOptions = sourceCommand._enablePositionalOptions;
    this._showHelpAfterError = sourceCommand._showHelpAfterError;
    this._showSuggestionAfterError = sourceCommand._showSuggestionAfterError;

    return this;
  }

  /**
   * @returns {Command[]}
   * @private
   */

  _getCommandAndAncestors() {
    const result = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let command = this; command; command = command.parent) {
      result.push(command);
    }
    return result;
  }

  /**
   * Define a command.
   *
   * There are two styles of command: pay attention to where to put the description.
   *
   * @example
   * // Command implemented using action handler (description is supplied separately to `.command`)
   * program
   *   .command('clone <source> [destination]')
   *   .description('clone a repository into a newly created directory')
   *   .action((source, destination) => {
   *     console.log('clone command called');
   *   });
   *
   * // Command implemented using separate executable file (description is second parameter to `.command`)
   * program
   *   .command('start <service>', 'start named service')
   *   .command('stop [service]', 'stop named service, or all if no name supplied');
   *
   * @param {string} nameAndArgs - command name and arguments, args are `<required>` or `[optional]` and last may also be `variadic...`
   * @param {(object | string)} [actionOptsOrExecDesc] - configuration options (for action), or description (for executable)
   * @param {object} [execOpts] - configuration options (for executable)
   * @return {Command} returns new command for action handler, or `this` for executable command
   */

  command(nameAndArgs, actionOptsOrExecDesc, execOpts) {
    let desc = actionOptsOrExecDesc;
    let opts = execOpts;
    if (typeof desc === 'object' && desc !== null) {
      opts = desc;
      desc = null;
    }
    opts = opts || {};
    const [, name, args] = nameAndArgs.match(/([^ ]+) *(.*)/);

    const cmd = this.createCommand(name);
    if (desc) {
      cmd.description(desc);
      cmd._executableHandler = true;
    }
    if (opts.isDefault) this._defaultCommandName = cmd._name;
    cmd._hidden = !!(opts.noHelp || opts.hidden); // noHelp is deprecated old name for hidden
    cmd._executableFile = opts.executableFile || null; // Custom name for executable file, set missing to null to match constructor
    if (args) cmd.arguments(args);
    this._registerCommand(cmd);
    cmd.parent = this;
    cmd.copyInheritedSettings(this);

    if (desc) return this;
    return cmd;
  }

  /**
   * Factory routine to create a new unattached command.
   *
   * See .command() for creating an attached subcommand, which uses this routine to
   * create the command. You can override createCommand to customise subcommands.
   *
   * @param {string} [name]
   * @return {Command} new command
   */

  createCommand(name) {
    return new command_Command(name);
  }

  /**
   * You can customise the help with a subclass of Help by overriding createHelp,
   * or by overriding Help properties using configureHelp().
   *
   * @return {Help}
   */

  createHelp() {
    return Object.assign(new Help(), this.configureHelp());
  }

  /**
   * You can customise the help by overriding Help properties using configureHelp(),
   * or with a subclass of Help by overriding createHelp().
   *
   * @param {object} [configuration] - configuration options
   * @return {(Command | object)} `this` command for chaining, or stored configuration
   */

  configureHelp(configuration) {
    if (configuration === undefined) return this._helpConfiguration;

    this._helpConfiguration = configuration;
    return this;
  }

  /**
   * The default output goes to stdout and stderr. You can customise this for special
   * applications. You can also customise the display of errors by overriding outputError.
   *
   * The configuration properties are all functions:
   *
   *     // change how output being written, defaults to stdout and stderr
   *     writeOut(str)
   *     writeErr(str)
   *     // change how output being written for errors, defaults to writeErr
   *     outputError(str, write) // used for displaying errors and not used for displaying help
   *     // specify width for wrapping help
   *     getOutHelpWidth()
   *     getErrHelpWidth()
   *     // color support, currently only used with Help
   *     getOutHasColors()
   *     getErrHasColors()
   *     stripColor() // used to remove ANSI escape codes if output does not have colors
   *
   * @param {object} [configuration] - configuration options
   * @return {(Command | object)} `this` command for chaining, or stored configuration
   */

  configureOutput(configuration) {
    if (configuration === undefined) return this._outputConfiguration;

    this._outputConfiguration = {
      ...this._outputConfiguration,
      ...configuration,
    };
    return this;
  }

  /**
   * Display the help or a custom message after an error occurs.
   *
   * @param {(boolean|string)} [displayHelp]
   * @return {Command} `this` command for chaining
   */
  showHelpAfterError(displayHelp = true) {
    if (typeof displayHelp !== 'string') displayHelp = !!displayHelp;
    this._showHelpAfterError = displayHelp;
    return this;
  }

  /**
   * Display suggestion of similar commands for unknown commands, or options for unknown options.
   *
   * @param {boolean} [displaySuggestion]
   * @return {Command} `this` command for chaining
   */
  showSuggestionAfterError(displaySuggestion = true) {
    this._showSuggestionAfterError = !!displaySuggestion;
    return this;
  }

  /**
   * Add a prepared subcommand.
   *
   * See .command() for creating an attached subcommand which inherits settings from its parent.
   *
   * @param {Command} cmd - new subcommand
   * @param {object} [opts] - configuration options
   * @return {Command} `this` command for chaining
   */

  addCommand(cmd, opts) {
    if (!cmd._name) {
      throw new Error(`Command passed to .addCommand() must have a name
- specify the name in Command constructor or using .name()`);
    }

    opts = opts || {};
    if (opts.isDefault) this._defaultCommandName = cmd._name;
    if (opts.noHelp || opts.hidden) cmd._hidden = true; // modifying passed command due to existing implementation

    this._registerCommand(cmd);
    cmd.parent = this;
    cmd._checkForBrokenPassThrough();

    return this;
  }

  /**
   * Factory routine to create a new unattached argument.
   *
   * See .argument() for creating an attached argument, which uses this routine to
   * create the argument. You can override createArgument to return a custom argument.
   *
   * @param {string} name
   * @param {string} [description]
   * @return {Argument} new argument
   */

  createArgument(name, description) {
    return new argument_Argument(name, description);
  }

  /**
   * Define argument syntax for command.
   *
   * The default is that the argument is required, and you can explicitly
   * indicate this with <> around the name. Put [] around the name for an optional argument.
   *
   * @example
   * program.argument('<input-file>');
   * program.argument('[output-file]');
   *
   * @param {string} name
   * @param {string} [description]
   * @param {(Function|*)} [parseArg] - custom argument processing function or default value
   * @param {*} [defaultValue]
   * @return {Command} `this` command for chaining
   */
  argument(name, description, parseArg, defaultValue) {
    const argument = this.createArgument(name, description);
    if (typeof parseArg === 'function') {
      argument.default(defaultValue).argParser(parseArg);
    } else {
      argument.default(parseArg);
    }
    this.addArgument(argument);
    return this;
  }

  /**
   * Define argument syntax for command, adding multiple at once (without descriptions).
   *
   * See also .argument().
   *
   * @example
   * program.arguments('<cmd> [env]');
   *
   * @param {string} names
   * @return {Command} `this` command for chaining
   */

  arguments(names) {
    names
      .trim()
      .split(/ +/)
      .forEach((detail) => {
        this.argument(detail);
      });
    return this;
  }

  /**
   * Define argument syntax for command, adding a prepared argument.
   *
   * @param {Argument} argument
   * @return {Command} `this` command for chaining
   */
  addArgument(argument) {
    const previousArgument = this.registeredArguments.slice(-1)[0];
    if (previousArgument?.variadic) {
      throw new Error(
        `only the last argument can be variadic '${previousArgument.name()}'`,
      );
    }
    if (
      argument.required &&
      argument.defaultValue !== undefined &&
      argument.parseArg === undefined
    ) {
      throw new Error(
        `a default value for a required argument is never used: '${argument.name()}'`,
      );
    }
    this.registeredArguments.push(argument);
    return this;
  }

  /**
   * Customise or override default help command. By default a help command is automatically added if your command has subcommands.
   *
   * @example
   *    program.helpCommand('help [cmd]');
   *    program.helpCommand('help [cmd]', 'show help');
   *    program.helpCommand(false); // suppress default help command
   *    program.helpCommand(true); // add help command even if no subcommands
   *
   * @param {string|boolean} enableOrNameAndArgs - enable with custom name and/or arguments, or boolean to override whether added
   * @param {string} [description] - custom description
   * @return {Command} `this` command for chaining
   */

  helpCommand(enableOrNameAndArgs, description) {
    if (typeof enableOrNameAndArgs === 'boolean') {
      this._addImplicitHelpCommand = enableOrNameAndArgs;
      if (enableOrNameAndArgs && this._defaultCommandGroup) {
        // make the command to store the group
        this._initCommandGroup(this._getHelpCommand());
      }
      return this;
    }

    const nameAndArgs = enableOrNameAndArgs ?? 'help [command]';
    const [, helpName, helpArgs] = nameAndArgs.match(/([^ ]+) *(.*)/);
    const helpDescription = description ?? 'display help for command';

    const helpCommand = this.createCommand(helpName);
    helpCommand.helpOption(false);
    if (helpArgs) helpCommand.arguments(helpArgs);
    if (helpDescription) helpCommand.description(helpDescription);

    this._addImplicitHelpCommand = true;
    this._helpCommand = helpCommand;
    // init group unless lazy create
    if (enableOrNameAndArgs || description) this._initCommandGroup(helpCommand);

    return this;
  }

  /**
   * Add prepared custom help command.
   *
   * @param {(Command|string|boolean)} helpCommand - custom help command, or deprecated enableOrNameAndArgs as for `.helpCommand()`
   * @param {string} [deprecatedDescription] - deprecated custom description used with custom name only
   * @return {Command} `this` command for chaining
   */
  addHelpCommand(helpCommand, deprecatedDescription) {
    // If not passed an object, call through to helpCommand for backwards compatibility,
    // as addHelpCommand was originally used like helpCommand is now.
    if (typeof helpCommand !== 'object') {
      this.helpCommand(helpCommand, deprecatedDescription);
      return this;
    }

    this._addImplicitHelpCommand = true;
    this._helpCommand = helpCommand;
    this._initCommandGroup(helpCommand);
    return this;
  }

  /**
   * Lazy create help command.
   *
   * @return {(Command|null)}
   * @package
   */
  _getHelpCommand() {
    const hasImplicitHelpCommand =
      this._addImplicitHelpCommand ??
      (this.commands.length &&
        !this._actionHandler &&
        !this._findCommand('help'));

    if (hasImplicitHelpCommand) {
      if (this._helpCommand === undefined) {
        this.helpCommand(undefined, undefined); // use default name and description
      }
      return this._helpCommand;
    }
    return null;
  }

  /**
   * Add hook for life cycle event.
   *
   * @param {string} event
   * @param {Function} listener
   * @return {Command} `this` command for chaining
   */

  hook(event, listener) {
    const allowedValues = ['preSubcommand', 'preAction', 'postAction'];
    if (!allowedValues.includes(event)) {
      throw new Error(`Unexpected value for event passed to hook : '${event}'.
Expecting one of '${allowedValues.join("', '")}'`);
    }
    if (this._lifeCycleHooks[event]) {
      this._lifeCycleHooks[event].push(listener);
    } else {
      this._lifeCycleHooks[event] = [listener];
    }
    return this;
  }

  /**
   * Register callback to use as replacement for calling process.exit.
   *
   * @param {Function} [fn] optional callback which will be passed a CommanderError, defaults to throwing
   * @return {Command} `this` command for chaining
   */

  exitOverride(fn) {
    if (fn) {
      this._exitCallback = fn;
    } else {
      this._exitCallback = (err) => {
        if (err.code !== 'commander.executeSubCommandAsync') {
          throw err;
        } else {
          // Async callback from spawn events, not useful to throw.
        }
      };
    }
    return this;
  }

  /**
   * Call process.exit, and _exitCallback if defined.
   *
   * @param {number} exitCode exit code for using with process.exit
   * @param {string} code an id string representing the error
   * @param {string} message human-readable description of the error
   * @return never
   * @private
   */

  _exit(exitCode, code, message) {
    if (this._exitCallback) {
      this._exitCallback(new CommanderError(exitCode, code, message));
      // Expecting this line is not reached.
    }
    external_node_process_.exit(exitCode);
  }

  /**
   * Register callback `fn` for the command.
   *
   * @example
   * program
   *   .command('serve')
   *   .description('start service')
   *   .action(function() {
   *      // do work here
   *   });
   *
   * @param {Function} fn
   * @return {Command} `this` command for chaining
   */

  action(fn) {
    const listener = (args) => {
      // The .action callback takes an extra parameter which is the command or options.
      const expectedArgsCount = this.registeredArguments.length;
      const actionArgs = args.slice(0, expectedArgsCount);
      if (this._storeOptionsAsProperties) {
        actionArgs[expectedArgsCount] = this; // backwards compatible "options"
      } else {
        actionArgs[expectedArgsCount] = this.opts();
      }
      actionArgs.push(this);

      return fn.apply(this, actionArgs);
    };
    this._actionHandler = listener;
    return this;
  }

  /**
   * Factory routine to create a new unattached option.
   *
   * See .option() for creating an attached option, which uses this routine to
   * create the option. You can override createOption to return a custom option.
   *
   * @param {string} flags
   * @param {string} [description]
   * @return {Option} new option
   */

  createOption(flags, description) {
    return new option_Option(flags, description);
  }

  /**
   * Wrap parseArgs to catch 'commander.invalidArgument'.
   *
   * @param {(Option | Argument)} target
   * @param {string} value
   * @param {*} previous
   * @param {string} invalidArgumentMessage
   * @private
   */

  _callParseArg(target, value, previous, invalidArgumentMessage) {
    try {
      return target.parseArg(value, previous);
    } catch (err) {
      if (err.code === 'commander.invalidArgument') {
        const message = `${invalidArgumentMessage} ${err.message}`;
        this.error(message, { exitCode: err.exitCode, code: err.code });
      }
      throw err;
    }
  }

  /**
   * Check for option flag conflicts.
   * Register option if no conflicts found, or throw on conflict.
   *
   * @param {Option} option
   * @private
   */

  _registerOption(option) {
    const matchingOption =
      (option.short && this._findOption(option.short)) ||
      (option.long && this._findOption(option.long));
    if (matchingOption) {
      const matchingFlag =
        option.long && this._findOption(option.long)
          ? option.long
          : option.short;
      throw new Error(`Cannot add option '${option.flags}'${this._name && ` to command '${this._name}'`} due to conflicting flag '${matchingFlag}'
-  already used by option '${matchingOption.flags}'`);
    }

    this._initOptionGroup(option);
    this.options.push(option);
  }

  /**
   * Check for command name and alias conflicts with existing commands.
   * Register command if no conflicts found, or throw on conflict.
   *
   * @param {Command} command
   * @private
   */

  _registerCommand(command) {
    const knownBy = (cmd) => {
      return [cmd.name()].concat(cmd.aliases());
    };

    const alreadyUsed = knownBy(command).find((name) =>
      this._findCommand(name),
    );
    if (alreadyUsed) {
      const existingCmd = knownBy(this._findCommand(alreadyUsed)).join('|');
      const newCmd = knownBy(command).join('|');
      throw new Error(
        `cannot add command '${newCmd}' as already have command '${existingCmd}'`,
      );
    }

    this._initCommandGroup(command);
    this.commands.push(command);
  }

  /**
   * Add an option.
   *
   * @param {Option} option
   * @return {Command} `this` command for chaining
   */
  addOption(option) {
    this._registerOption(option);

    const oname = option.name();
    const name = option.attributeName();

    // store default value
    if (option.defaultValue !== undefined) {
      this.setOptionValueWithSource(name, option.defaultValue, 'default');
    }

    // handler for cli and env supplied values
    const handleOptionValue = (val, invalidValueMessage, valueSource) => {
      // val is null for optional option used without an optional-argument.
      // val is undefined for boolean and negated option.
      if (val == null && option.presetArg !== undefined) {
        val = option.presetArg;
      }

      // custom processing
      const oldValue = this.getOptionValue(name);
      if (val !== null && option.parseArg) {
        val = this._callParseArg(option, val, oldValue, invalidValueMessage);
      } else if (val !== null && option.variadic) {
        val = option._collectValue(val, oldValue);
      }

      // Fill-in appropriate missing values. Long winded but easy to follow.
      if (val == null) {
        if (option.negate) {
          val = false;
        } else if (option.isBoolean() || option.optional) {
          val = true;
        } else {
          val = ''; // not normal, parseArg might have failed or be a mock function for testing
        }
      }
      this.setOptionValueWithSource(name, val, valueSource);
    };

    this.on('option:' + oname, (val) => {
      const invalidValueMessage = `error: option '${option.flags}' argument '${val}' is invalid.`;
      handleOptionValue(val, invalidValueMessage, 'cli');
    });

    if (option.envVar) {
      this.on('optionEnv:' + oname, (val) => {
        const invalidValueMessage = `error: option '${option.flags}' value '${val}' from env '${option.envVar}' is invalid.`;
        handleOptionValue(val, invalidValueMessage, 'env');
      });
    }

    return this;
  }

  /**
   * Internal implementation shared by .option() and .requiredOption()
   *
   * @return {Command} `this` command for chaining
   * @private
   */
  _optionEx(config, flags, description, fn, defaultValue) {
    if (typeof flags === 'object' && flags instanceof option_Option) {
      throw new Error(
        'To add an Option object use addOption() instead of option() or requiredOption()',
      );
    }
    const option = this.createOption(flags, description);
    option.makeOptionMandatory(!!config.mandatory);
    if (typeof fn === 'function') {
      option.default(defaultValue).argParser(fn);
    } else if (fn instanceof RegExp) {
      // deprecated
      const regex = fn;
      fn = (val, def) => {
        const m = regex.exec(val);
        return m ? m[0] : def;
      };
      option.default(defaultValue).argParser(fn);
    } else {
      option.default(fn);
    }

    return this.addOption(option);
  }

  /**
   * Define option with `flags`, `description`, and optional argument parsing function or `defaultValue` or both.
   *
   * The `flags` string contains the short and/or long flags, separated by comma, a pipe or space. A required
   * option-argument is indicated by `<>` and an optional option-argument by `[]`.
   *
   * See the README for more details, and see also addOption() and requiredOption().
   *
   * @example
   * program
   *     .option('-p, --pepper', 'add pepper')
   *     .option('--pt, --pizza-type <TYPE>', 'type of pizza') // required option-argument
   *     .option('-c, --cheese [CHEESE]', 'add extra cheese', 'mozzarella') // optional option-argument with default
   *     .option('-t, --tip <VALUE>', 'add tip to purchase cost', parseFloat) // custom parse function
   *
   * @param {string} flags
   * @param {string} [description]
   * @param {(Function|*)} [parseArg] - custom option processing function or default value
   * @param {*} [defaultValue]
   * @return {Command} `this` command for chaining
   */

  option(flags, description, parseArg, defaultValue) {
    return this._optionEx({}, flags, description, parseArg, defaultValue);
  }

  /**
   * Add a required option which must have a value after parsing. This usually means
   * the option must be specified on the command line. (Otherwise the same as .option().)
   *
   * The `flags` string contains the short and/or long flags, separated by comma, a pipe or space.
   *
   * @param {string} flags
   * @param {string} [description]
   * @param {(Function|*)} [parseArg] - custom option processing function or default value
   * @param {*} [defaultValue]
   * @return {Command} `this` command for chaining
   */

  requiredOption(flags, description, parseArg, defaultValue) {
    return this._optionEx(
      { mandatory: true },
      flags,
      description,
      parseArg,
      defaultValue,
    );
  }

  /**
   * Alter parsing of short flags with optional values.
   *
   * @example
   * // for `.option('-f,--flag [value]'):
   * program.combineFlagAndOptionalValue(true);  // `-f80` is treated like `--flag=80`, this is the default behaviour
   * program.combineFlagAndOptionalValue(false) // `-fb` is treated like `-f -b`
   *
   * @param {boolean} [combine] - if `true` or omitted, an optional value can be specified directly after the flag.
   * @return {Command} `this` command for chaining
   */
  combineFlagAndOptionalValue(combine = true) {
    this._combineFlagAndOptionalValue = !!combine;
    return this;
  }

  /**
   * Allow unknown options on the command line.
   *
   * @param {boolean} [allowUnknown] - if `true` or omitted, no error will be thrown for unknown options.
   * @return {Command} `this` command for chaining
   */
  allowUnknownOption(allowUnknown = true) {
    this._allowUnknownOption = !!allowUnknown;
    return this;
  }

  /**
   * Allow excess command-arguments on the command line. Pass false to make excess arguments an error.
   *
   * @param {boolean} [allowExcess] - if `true` or omitted, no error will be thrown for excess arguments.
   * @return {Command} `this` command for chaining
   */
  allowExcessArguments(allowExcess = true) {
    this._allowExcessArguments = !!allowExcess;
    return this;
  }

  /**
   * Enable positional options. Positional means global options are specified before subcommands which lets
   * subcommands reuse the same option names, and also enables subcommands to turn on passThroughOptions.
   * The default behaviour is non-positional and global options may appear anywhere on the command line.
   *
   * @param {boolean} [positional]
   * @return {Command} `this` command for chaining
   */
  enablePositionalOptions(positional = true) {
    this._enablePositionalOptions = !!positional;
    return this;
  }

  /**
   * Pass through options that come after command-arguments rather than treat them as command-options,
   * so actual command-options come before command-arguments. Turning this on for a subcommand requires
   * positional options to have been enabled on the program (parent commands).
   * The default behaviour is non-positional and options may appear before or after command-arguments.
   *
   * @param {boolean} [passThrough] for unknown options.
   * @return {Command} `this` command for chaining
   */
  passThroughOptions(passThrough = true) {
    this._passThroughOptions = !!passThrough;
    this._checkForBrokenPassThrough();
    return this;
  }

  /**
   * @private
   */

  _checkForBrokenPassThrough() {
    if (
      this.parent &&
      this._passThroughOptions &&
      !this.parent._enablePositionalOptions
    ) {
      throw new Error(
        `passThroughOptions cannot be used for '${this._name}' without turning on enablePositionalOptions for parent command(s)`,
      );
    }
  }

  /**
   * Whether to store option values as properties on command object,
   * or store separately (specify false). In both cases the option values can be accessed using .opts().
   *
   * @param {boolean} [storeAsProperties=true]
   * @return {Command} `this` command for chaining
   */

  storeOptionsAsProperties(storeAsProperties = true) {
    if (this.options.length) {
      throw new Error('call .storeOptionsAsProperties() before adding options');
    }
    if (Object.keys(this._optionValues).length) {
      throw new Error(
        'call .storeOptionsAsProperties() before setting option values',
      );
    }
    this._storeOptionsAsProperties = !!storeAsProperties;
    return this;
  }

  /**
   * Retrieve option value.
   *
   * @param {string} key
   * @return {object} value
   */

  getOptionValue(key) {
    if (this._storeOptionsAsProperties) {
      return this[key];
    }
    return this._optionValues[key];
  }

  /**
   * Store option value.
   *
   * @param {string} key
   * @param {object} value
   * @return {Command} `this` command for chaining
   */

  setOptionValue(key, value) {
    return this.setOptionValueWithSource(key, value, undefined);
  }

  /**
   * Store option value and where the value came from.
   *
   * @param {string} key
   * @param {object} value
   * @param {string} source - expected values are default/config/env/cli/implied
   * @return {Command} `this` command for chaining
   */

  setOptionValueWithSource(key, value, source) {
    if (this._storeOptionsAsProperties) {
      this[key] = value;
    } else {
      this._optionValues[key] = value;
    }
    this._optionValueSources[key] = source;
    return this;
  }

  /**
   * Get source of option value.
   * Expected values are default | config | env | cli | implied
   *
   * @param {string} key
   * @return {string}
   */

  getOptionValueSource(key) {
    return this._optionValueSources[key];
  }

  /**
   * Get source of option value. See also .optsWithGlobals().
   * Expected values are default | config | env | cli | implied
   *
   * @param {string} key
   * @return {string}
   */

  getOptionValueSourceWithGlobals(key) {
    // global overwrites local, like optsWithGlobals
    let source;
    this._getCommandAndAncestors().forEach((cmd) => {
      if (Object.hasOwn(cmd._optionValueSources, key)) {
        source = cmd.getOptionValueSource(key);
      }
    });
    return source;
  }

  /**
   * Get user arguments from implied or explicit arguments.
   * Side-effects: set _scriptPath if args included script. Used for default program name, and subcommand searches.
   *
   * @private
   */

  _prepareUserArgs(argv, parseOptions) {
    if (argv !== undefined && !Array.isArray(argv)) {
      throw new Error('first parameter to parse must be array or undefined');
    }
    parseOptions = parseOptions || {};

    // auto-detect argument conventions if nothing supplied
    if (argv === undefined && parseOptions.from === undefined) {
      if (external_node_process_.versions?.electron) {
        parseOptions.from = 'electron';
      }
      // check node specific options for scenarios where user CLI args follow executable without scriptname
      const execArgv = external_node_process_.execArgv ?? [];
      if (
        execArgv.includes('-e') ||
        execArgv.includes('--eval') ||
        execArgv.includes('-p') ||
        execArgv.includes('--print')
      ) {
        parseOptions.from = 'eval'; // internal usage, not documented
      }
    }

    // default to using process.argv
    if (argv === undefined) {
      argv = external_node_process_.argv;
    }
    this.rawArgs = argv.slice();

    // extract the user args and scriptPath
    let userArgs;
    switch (parseOptions.from) {
      case undefined:
      case 'node':
        this._scriptPath = argv[1];
        userArgs = argv.slice(2);
        break;
      case 'electron':
        // @ts-ignore: because defaultApp is an unknown property
        if (external_node_process_.defaultApp) {
          this._scriptPath = argv[1];
          userArgs = argv.slice(2);
        } else {
          userArgs = argv.slice(1);
        }
        break;
      case 'user':
        userArgs = argv.slice(0);
        break;
      case 'eval':
        userArgs = argv.slice(1);
        break;
      default:
        throw new Error(
          `unexpected parse option { from: '${parseOptions.from}' }`,
        );
    }

    // Find default name for program from arguments.
    if (!this._name && this._scriptPath)
      this.nameFromFilename(this._scriptPath);
    this._name = this._name || 'program';

    return userArgs;
  }

  /**
   * Parse `argv`, setting options and invoking commands when defined.
   *
   * Use parseAsync instead of parse if any of your action handlers are async.
   *
   * Call with no parameters to parse `process.argv`. Detects Electron and special node options like `node --eval`. Easy mode!
   *
   * Or call with an array of strings to parse, and optionally where the user arguments start by specifying where the arguments are `from`:
   * - `'node'`: default, `argv[0]` is the application and `argv[1]` is the script being run, with user arguments after that
   * - `'electron'`: `argv[0]` is the application and `argv[1]` varies depending on whether the electron application is packaged
   * - `'user'`: just user arguments
   *
   * @example
   * program.parse(); // parse process.argv and auto-detect electron and special node flags
   * program.parse(process.argv); // assume argv[0] is app and argv[1] is script
   * program.parse(my-args, { from: 'user' }); // just user supplied arguments, nothing special about argv[0]
   *
   * @param {string[]} [argv] - optional, defaults to process.argv
   * @param {object} [parseOptions] - optionally specify style of options with from: node/user/electron
   * @param {string} [parseOptions.from] - where the args are from: 'node', 'user', 'electron'
   * @return {Command} `this` command for chaining
   */

  parse(argv, parseOptions) {
    this._prepareForParse();
    const userArgs = this._prepareUserArgs(argv, parseOptions);
    this._parseCommand([], userArgs);

    return this;
  }

  /**
   * Parse `argv`, setting options and invoking commands when defined.
   *
   * Call with no parameters to parse `process.argv`. Detects Electron and special node options like `node --eval`. Easy mode!
   *
   * Or call with an array of strings to parse, and optionally where the user arguments start by specifying where the arguments are `from`:
   * - `'node'`: default, `argv[0]` is the application and `argv[1]` is the script being run, with user arguments after that
   * - `'electron'`: `argv[0]` is the application and `argv[1]` varies depending on whether the electron application is packaged
   * - `'user'`: just user arguments
   *
   * @example
   * await program.parseAsync(); // parse process.argv and auto-detect electron and special node flags
   * await program.parseAsync(process.argv); // assume argv[0] is app and argv[1] is script
   * await program.parseAsync(my-args, { from: 'user' }); // just user supplied arguments, nothing special about argv[0]
   *
   * @param {string[]} [argv]
   * @param {object} [parseOptions]
   * @param {string} parseOptions.from - where the args are from: 'node', 'user', 'electron'
   * @return {Promise}
   */

  async parseAsync(argv, parseOptions) {
    this._prepareForParse();
    const userArgs = this._prepareUserArgs(argv, parseOptions);
    await this._parseCommand([], userArgs);

    return this;
  }

  _prepareForParse() {
    // Save the state the first time, then restore the state before each subsequent parse.
    if (this._savedState === null) {
      // Do the special default of lone negated option to true, now that we have all the options.
      // Filter for negated options that have not been processed already.
      this.options
        .filter(
          (option) =>
            option.negate &&
            option.defaultValue === undefined &&
            this.getOptionValue(option.attributeName()) === undefined,
        )
        .forEach((option) => {
          // check for lone negated option: --no-foo without a --foo option
          const positiveLongFlag = option.long.replace(/^--no-/, '--');
          if (!this._findOption(positiveLongFlag)) {
            this.setOptionValueWithSource(
              option.attributeName(),
              true,
              'default',
            );
          }
        });

      this.saveStateBeforeParse();
    } else {
      this.restoreStateBeforeParse();
    }
  }

  /**
   * Called the first time parse is called to save state and allow a restore before subsequent calls to parse.
   * Not usually called directly, but available for subclasses to save their custom state.
   *
   * This is called in a lazy way. Only commands used in parsing chain will have state saved.
   */
  saveStateBeforeParse() {
    this._savedState = {
      // name is stable if supplied by author, but may be unspecified for root command and deduced during parsing
      _name: this._name,
      // option values before parse have default values (including false for negated options)
      // shallow clones
      _optionValues: { ...this._optionValues },
      _optionValueSources: { ...this._optionValueSources },
    };
  }

  /**
   * Restore state before parse for calls after the first.
   * Not usually called directly, but available for subclasses to save their custom state.
   *
   * This is called in a lazy way. Only commands used in parsing chain will have state restored.
   */
  restoreStateBeforeParse() {
    if (this._storeOptionsAsProperties)
      throw new Error(`Can not call parse again when storeOptionsAsProperties is true.
- either make a new Command for each call to parse, or stop storing options as properties`);

    // clear state from _prepareUserArgs
    this._name = this._savedState._name;
    this._scriptPath = null;
    this.rawArgs = [];
    // clear state from setOptionValueWithSource
    this._optionValues = { ...this._savedState._optionValues };
    this._optionValueSources = { ...this._savedState._optionValueSources };
    // clear state from _parseCommand
    this.args = [];
    // clear state from _processArguments
    this.processedArgs = [];
  }

  /**
   * Throw if expected executable is missing. Add lots of help for author.
   *
   * @param {string} executableFile
   * @param {string} executableDir
   * @param {string} subcommandName
   */
  _checkForMissingExecutable(executableFile, executableDir, subcommandName) {
    if (external_node_fs_.existsSync(executableFile)) return;

    const executableDirMessage = executableDir
      ? `searched for local subcommand relative to directory '${executableDir}'`
      : 'no directory for search for local subcommand, use .executableDir() to supply a custom directory';
    const executableMissing = `'${executableFile}' does not exist
 - if '${subcommandName}' is not meant to be an executable command, remove description parameter from '.command()' and use '.description()' instead
 - if the default executable name is not suitable, use the executableFile option to supply a custom name or path
 - ${executableDirMessage}`;
    throw new Error(executableMissing);
  }

  /**
   * Execute a sub-command executable.
   *
   * @private
   */

  _executeSubCommand(subcommand, args) {
    args = args.slice();
    const sourceExt = ['.js', '.ts', '.tsx', '.mjs', '.cjs'];

    function findFile(baseDir, baseName) {
      // Look for specified file
      const localBin = external_node_path_.resolve(baseDir, baseName);
      if (external_node_fs_.existsSync(localBin)) return localBin;

      // Stop looking if candidate already has an expected extension.
      if (sourceExt.includes(external_node_path_.extname(baseName))) return undefined;

      // Try all the extensions.
      const foundExt = sourceExt.find((ext) =>
        external_node_fs_.existsSync(`${localBin}${ext}`),
      );
      if (foundExt) return `${localBin}${foundExt}`;

      return undefined;
    }

    // Not checking for help first. Unlikely to have mandatory and executable, and can't robustly test for help flags in external command.
    this._checkForMissingMandatoryOptions();
    this._checkForConflictingOptions();

    // executableFile and executableDir might be full path, or just a name
    let executableFile =
      subcommand._executableFile || `${this._name}-${subcommand._name}`;
    let executableDir = this._executableDir || '';
    if (this._scriptPath) {
      let resolvedScriptPath; // resolve possible symlink for installed npm binary
      try {
        resolvedScriptPath = external_node_fs_.realpathSync(this._scriptPath);
      } catch {
        resolvedScriptPath = this._scriptPath;
      }
      executableDir = external_node_path_.resolve(
        external_node_path_.dirname(resolvedScriptPath),
        executableDir,
      );
    }

    // Look for a local file in preference to a command in PATH.
    if (executableDir) {
      let localFile = findFile(executableDir, executableFile);

      // Legacy search using prefix of script name instead of command name
      if (!localFile && !subcommand._executableFile && this._scriptPath) {
        const legacyName = external_node_path_.basename(
          this._scriptPath,
          external_node_path_.extname(this._scriptPath),
        );
        if (legacyName !== this._name) {
          localFile = findFile(
            executableDir,
            `${legacyName}-${subcommand._name}`,
          );
        }
      }
      executableFile = localFile || executableFile;
    }

    const launchWithNode = sourceExt.includes(external_node_path_.extname(executableFile));

    let proc;
    if (external_node_process_.platform !== 'win32') {
      if (launchWithNode) {
        args.unshift(executableFile);
        // add executable arguments to spawn
        args = incrementNodeInspectorPort(external_node_process_.execArgv).concat(args);

        proc = external_node_child_process_.spawn(external_node_process_.argv[0], args, { stdio: 'inherit' });
      } else {
        proc = external_node_child_process_.spawn(executableFile, args, { stdio: 'inherit' });
      }
    } else {
      this._checkForMissingExecutable(
        executableFile,
        executableDir,
        subcommand._name,
      );
      args.unshift(executableFile);
      // add executable arguments to spawn
      args = incrementNodeInspectorPort(external_node_process_.execArgv).concat(args);
      proc = external_node_child_process_.spawn(external_node_process_.execPath, args, { stdio: 'inherit' });
    }

    if (!proc.killed) {
      // testing mainly to avoid leak warnings during unit tests with mocked spawn
      const signals = ['SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT', 'SIGHUP'];
      signals.forEach((signal) => {
        external_node_process_.on(signal, () => {
          if (proc.killed === false && proc.exitCode === null) {
            // @ts-ignore because signals not typed to known strings
            proc.kill(signal);
          }
        });
      });
    }

    // By default terminate process when spawned process terminates.
    const exitCallback = this._exitCallback;
    proc.on('close', (code) => {
      code = code ?? 1; // code is null if spawned process terminated due to a signal
      if (!exitCallback) {
        external_node_process_.exit(code);
      } else {
        exitCallback(
          new CommanderError(
            code,
            'commander.executeSubCommandAsync',
            '(close)',
          ),
        );
      }
    });
    proc.on('error', (err) => {
      // @ts-ignore: because err.code is an unknown property
      if (err.code === 'ENOENT') {
        this._checkForMissingExecutable(
          executableFile,
          executableDir,
          subcommand._name,
        );
        // @ts-ignore: because err.code is an unknown property
      } else if (err.code === 'EACCES') {
        throw new Error(`'${executableFile}' not executable`);
      }
      if (!exitCallback) {
        external_node_process_.exit(1);
      } else {
        const wrappedError = new CommanderError(
          1,
          'commander.executeSubCommandAsync',
          '(error)',
        );
        wrappedError.nestedError = err;
        exitCallback(wrappedError);
      }
    });

    // Store the reference to the child process
    this.runningCommand = proc;
  }

  /**
   * @private
   */

  _dispatchSubcommand(commandName, operands, unknown) {
    const subCommand = this._findCommand(commandName);
    if (!subCommand) this.help({ error: true });

    subCommand._prepareForParse();
    let promiseChain;
    promiseChain = this._chainOrCallSubCommandHook(
      promiseChain,
      subCommand,
      'preSubcommand',
    );
    promiseChain = this._chainOrCall(promiseChain, () => {
      if (subCommand._executableHandler) {
        this._executeSubCommand(subCommand, operands.concat(unknown));
      } else {
        return subCommand._parseCommand(operands, unknown);
      }
    });
    return promiseChain;
  }

  /**
   * Invoke help directly if possible, or dispatch if necessary.
   * e.g. help foo
   *
   * @private
   */

  _dispatchHelpCommand(subcommandName) {
    if (!subcommandName) {
      this.help();
    }
    const subCommand = this._findCommand(subcommandName);
    if (subCommand && !subCommand._executableHandler) {
      subCommand.help();
    }

    // Fallback to parsing the help flag to invoke the help.
    return this._dispatchSubcommand(
      subcommandName,
      [],
      [this._getHelpOption()?.long ?? this._getHelpOption()?.short ?? '--help'],
    );
  }

  /**
   * Check this.args against expected this.registeredArguments.
   *
   * @private
   */

  _checkNumberOfArguments() {
    // too few
    this.registeredArguments.forEach((arg, i) => {
      if (arg.required && this.args[i] == null) {
        this.missingArgument(arg.name());
      }
    });
    // too many
    if (
      this.registeredArguments.length > 0 &&
      this.registeredArguments[this.registeredArguments.length - 1].variadic
    ) {
      return;
    }
    if (this.args.length > this.registeredArguments.length) {
      this._excessArguments(this.args);
    }
  }

  /**
   * Process this.args using this.registeredArguments and save as this.processedArgs!
   *
   * @private
   */

  _processArguments() {
    const myParseArg = (argument, value, previous) => {
      // Extra processing for nice error message on parsing failure.
      let parsedValue = value;
      if (value !== null && argument.parseArg) {
        const invalidValueMessage = `error: command-argument value '${value}' is invalid for argument '${argument.name()}'.`;
        parsedValue = this._callParseArg(
          argument,
          value,
          previous,
          invalidValueMessage,
        );
      }
      return parsedValue;
    };

    this._checkNumberOfArguments();

    const processedArgs = [];
    this.registeredArguments.forEach((declaredArg, index) => {
      let value = declaredArg.defaultValue;
      if (declaredArg.variadic) {
        // Collect together remaining arguments for passing together as an array.
        if (index < this.args.length) {
          value = this.args.slice(index);
          if (declaredArg.parseArg) {
            value = value.reduce((processed, v) => {
              return myParseArg(declaredArg, v, processed);
            }, declaredArg.defaultValue);
          }
        } else if (value === undefined) {
          value = [];
        }
      } else if (index < this.args.length) {
        value = this.args[index];
        if (declaredArg.parseArg) {
          value = myParseArg(declaredArg, value, declaredArg.defaultValue);
        }
      }
      processedArgs[index] = value;
    });
    this.processedArgs = processedArgs;
  }

  /**
   * Once we have a promise we chain, but call synchronously until then.
   *
   * @param {(Promise|undefined)} promise
   * @param {Function} fn
   * @return {(Promise|undefined)}
   * @private
   */

  _chainOrCall(promise, fn) {
    // thenable
    if (promise?.then && typeof promise.then === 'function') {
      // already have a promise, chain callback
      return promise.then(() => fn());
    }
    // callback might return a promise
    return fn();
  }

  /**
   *
   * @param {(Promise|undefined)} promise
   * @param {string} event
   * @return {(Promise|undefined)}
   * @private
   */

  _chainOrCallHooks(promise, event) {
    let result = promise;
    const hooks = [];
    this._getCommandAndAncestors()
      .reverse()
      .filter((cmd) => cmd._lifeCycleHooks[event] !== undefined)
      .forEach((hookedCommand) => {
        hookedCommand._lifeCycleHooks[event].forEach((callback) => {
          hooks.push({ hookedCommand, callback });
        });
      });
    if (event === 'postAction') {
      hooks.reverse();
    }

    hooks.forEach((hookDetail) => {
      result = this._chainOrCall(result, () => {
        return hookDetail.callback(hookDetail.hookedCommand, this);
      });
    });
    return result;
  }

  /**
   *
   * @param {(Promise|undefined)} promise
   * @param {Command} subCommand
   * @param {string} event
   * @return {(Promise|undefined)}
   * @private
   */

  _chainOrCallSubCommandHook(promise, subCommand, event) {
    let result = promise;
    if (this._lifeCycleHooks[event] !== undefined) {
      this._lifeCycleHooks[event].forEach((hook) => {
        result = this._chainOrCall(result, () => {
          return hook(this, subCommand);
        });
      });
    }
    return result;
  }

  /**
   * Process arguments in context of this command.
   * Returns action result, in case it is a promise.
   *
   * @private
   */

  _parseCommand(operands, unknown) {
    const parsed = this.parseOptions(unknown);
    this._parseOptionsEnv(); // after cli, so parseArg not called on both cli and env
    this._parseOptionsImplied();
    operands = operands.concat(parsed.operands);
    unknown = parsed.unknown;
    this.args = operands.concat(unknown);

    if (operands && this._findCommand(operands[0])) {
      return this._dispatchSubcommand(operands[0], operands.slice(1), unknown);
    }
    if (
      this._getHelpCommand() &&
      operands[0] === this._getHelpCommand().name()
    ) {
      return this._dispatchHelpCommand(operands[1]);
    }
    if (this._defaultCommandName) {
      this._outputHelpIfRequested(unknown); // Run the help for default command from parent rather than passing to default command
      return this._dispatchSubcommand(
        this._defaultCommandName,
        operands,
        unknown,
      );
    }
    if (
      this.commands.length &&
      this.args.length === 0 &&
      !this._actionHandler &&
      !this._defaultCommandName
    ) {
      // probably missing subcommand and no handler, user needs help (and exit)
      this.help({ error: true });
    }

    this._outputHelpIfRequested(parsed.unknown);
    this._checkForMissingMandatoryOptions();
    this._checkForConflictingOptions();

    // We do not always call this check to avoid masking a "better" error, like unknown command.
    const checkForUnknownOptions = () => {
      if (parsed.unknown.length > 0) {
        this.unknownOption(parsed.unknown[0]);
      }
    };

    const commandEvent = `command:${this.name()}`;
    if (this._actionHandler) {
      checkForUnknownOptions();
      this._processArguments();

      let promiseChain;
      promiseChain = this._chainOrCallHooks(promiseChain, 'preAction');
      promiseChain = this._chainOrCall(promiseChain, () =>
        this._actionHandler(this.processedArgs),
      );
      if (this.parent) {
        promiseChain = this._chainOrCall(promiseChain, () => {
          this.parent.emit(commandEvent, operands, unknown); // legacy
        });
      }
      promiseChain = this._chainOrCallHooks(promiseChain, 'postAction');
      return promiseChain;
    }
    if (this.parent?.listenerCount(commandEvent)) {
      checkForUnknownOptions();
      this._processArguments();
      this.parent.emit(commandEvent, operands, unknown); // legacy
    } else if (operands.length) {
      if (this._findCommand('*')) {
        // legacy default command
        return this._dispatchSubcommand('*', operands, unknown);
      }
      if (this.listenerCount('command:*')) {
        // skip option check, emit event for possible misspelling suggestion
        this.emit('command:*', operands, unknown);
      } else if (this.commands.length) {
        this.unknownCommand();
      } else {
        checkForUnknownOptions();
        this._processArguments();
      }
    } else if (this.commands.length) {
      checkForUnknownOptions();
      // This command has subcommands and nothing hooked up at this level, so display help (and exit).
      this.help({ error: true });
    } else {
      checkForUnknownOptions();
      this._processArguments();
      // fall through for caller to handle after calling .parse()
    }
  }

  /**
   * Find matching command.
   *
   * @private
   * @return {Command | undefined}
   */
  _findCommand(name) {
    if (!name) return undefined;
    return this.commands.find(
      (cmd) => cmd._name === name || cmd._aliases.includes(name),
    );
  }

  /**
   * Return an option matching `arg` if any.
   *
   * @param {string} arg
   * @return {Option}
   * @package
   */

  _findOption(arg) {
    return this.options.find((option) => option.is(arg));
  }

  /**
   * Display an error message if a mandatory option does not have a value.
   * Called after checking for help flags in leaf subcommand.
   *
   * @private
   */

  _checkForMissingMandatoryOptions() {
    // Walk up hierarchy so can call in subcommand after checking for displaying help.
    this._getCommandAndAncestors().forEach((cmd) => {
      cmd.options.forEach((anOption) => {
        if (
          anOption.mandatory &&
          cmd.getOptionValue(anOption.attributeName()) === undefined
        ) {
          cmd.missingMandatoryOptionValue(anOption);
        }
      });
    });
  }

  /**
   * Display an error message if conflicting options are used together in this.
   *
   * @private
   */
  _checkForConflictingLocalOptions() {
    const definedNonDefaultOptions = this.options.filter((option) => {
      const optionKey = option.attributeName();
      if (this.getOptionValue(optionKey) === undefined) {
        return false;
      }
      return this.getOptionValueSource(optionKey) !== 'default';
    });

    const optionsWithConflicting = definedNonDefaultOptions.filter(
      (option) => option.conflictsWith.length > 0,
    );

    optionsWithConflicting.forEach((option) => {
      const conflictingAndDefined = definedNonDefaultOptions.find((defined) =>
        option.conflictsWith.includes(defined.attributeName()),
      );
      if (conflictingAndDefined) {
        this._conflictingOption(option, conflictingAndDefined);
      }
    });
  }

  /**
   * Display an error message if conflicting options are used together.
   * Called after checking for help flags in leaf subcommand.
   *
   * @private
   */
  _checkForConflictingOptions() {
    // Walk up hierarchy so can call in subcommand after checking for displaying help.
    this._getCommandAndAncestors().forEach((cmd) => {
      cmd._checkForConflictingLocalOptions();
    });
  }

  /**
   * Parse options from `argv` removing known options,
   * and return argv split into operands and unknown arguments.
   *
   * Side effects: modifies command by storing options. Does not reset state if called again.
   *
   * Examples:
   *
   *     argv => operands, unknown
   *     --known kkk op => [op], []
   *     op --known kkk => [op], []
   *     sub --unknown uuu op => [sub], [--unknown uuu op]
   *     sub -- --unknown uuu op => [sub --unknown uuu op], []
   *
   * @param {string[]} args
   * @return {{operands: string[], unknown: string[]}}
   */

  parseOptions(args) {
    const operands = []; // operands, not options or values
    const unknown = []; // first unknown option and remaining unknown args
    let dest = operands;

    function maybeOption(arg) {
      return arg.length > 1 && arg[0] === '-';
    }

    const negativeNumberArg = (arg) => {
      // return false if not a negative number
      if (!/^-(\d+|\d*\.\d+)([eE][+-]?\d+)?$/.test(arg)) return false;
      // negative number is ok unless digit used as an option in command hierarchy
      return !this._getCommandAndAncestors().some((cmd) =>
        cmd.options
          .map((opt) => opt.short)
          .some((short) => /^-\d$/.test(short)),
      );
    };

    // parse options
    let activeVariadicOption = null;
    let activeGroup = null; // working through group of short options, like -abc
    let i = 0;
    while (i < args.length || activeGroup) {
      const arg = activeGroup ?? args[i++];
      activeGroup = null;

      // literal
      if (arg === '--') {
        if (dest === unknown) dest.push(arg);
        dest.push(...args.slice(i));
        break;
      }

      if (
        activeVariadicOption &&
        (!maybeOption(arg) || negativeNumberArg(arg))
      ) {
        this.emit(`option:${activeVariadicOption.name()}`, arg);
        continue;
      }
      activeVariadicOption = null;

      if (maybeOption(arg)) {
        const option = this._findOption(arg);
        // recognised option, call listener to assign value with possible custom processing
        if (option) {
          if (option.required) {
            const value = args[i++];
            if (value === undefined) this.optionMissingArgument(option);
            this.emit(`option:${option.name()}`, value);
          } else if (option.optional) {
            let value = null;
            // historical behaviour is optional value is following arg unless an option
            if (
              i < args.length &&
              (!maybeOption(args[i]) || negativeNumberArg(args[i]))
            ) {
              value = args[i++];
            }
            this.emit(`option:${option.name()}`, value);
          } else {
            // boolean flag
            this.emit(`option:${option.name()}`);
          }
          activeVariadicOption = option.variadic ? option : null;
          continue;
        }
      }

      // Look for combo options following single dash, eat first one if known.
      if (arg.length > 2 && arg[0] === '-' && arg[1] !== '-') {
        const option = this._findOption(`-${arg[1]}`);
        if (option) {
          if (
            option.required ||
            (option.optional && this._combineFlagAndOptionalValue)
          ) {
            // option with value following in same argument
            this.emit(`option:${option.name()}`, arg.slice(2));
          } else {
            // boolean option
            this.emit(`option:${option.name()}`);
            // remove the processed option and keep processing group
            activeGroup = `-${arg.slice(2)}`;
          }
          continue;
        }
      }

      // Look for known long flag with value, like --foo=bar
      if (/^--[^=]+=/.test(arg)) {
        const index = arg.indexOf('=');
        const option = this._findOption(arg.slice(0, index));
        if (option && (option.required || option.optional)) {
          this.emit(`option:${option.name()}`, arg.slice(index + 1));
          continue;
        }
      }

      // Not a recognised option by this command.
      // Might be a command-argument, or subcommand option, or unknown option, or help command or option.

      // An unknown option means further arguments also classified as unknown so can be reprocessed by subcommands.
      // A negative number in a leaf command is not an unknown option.
      if (
        dest === operands &&
        maybeOption(arg) &&
        !(this.commands.length === 0 && negativeNumberArg(arg))
      ) {
        dest = unknown;
      }

      // If using positionalOptions, stop processing our options at subcommand.
      if (
        (this._enablePositionalOptions || this._passThroughOptions) &&
        operands.length === 0 &&
        unknown.length === 0
      ) {
        if (this._findCommand(arg)) {
          operands.push(arg);
          unknown.push(...args.slice(i));
          break;
        } else if (
          this._getHelpCommand() &&
          arg === this._getHelpCommand().name()
        ) {
          operands.push(arg, ...args.slice(i));
          break;
        } else if (this._defaultCommandName) {
          unknown.push(arg, ...args.slice(i));
          break;
        }
      }

      // If using passThroughOptions, stop processing options at first command-argument.
      if (this._passThroughOptions) {
        dest.push(arg, ...args.slice(i));
        break;
      }

      // add arg
      dest.push(arg);
    }

    return { operands, unknown };
  }

  /**
   * Return an object containing local option values as key-value pairs.
   *
   * @return {object}
   */
  opts() {
    if (this._storeOptionsAsProperties) {
      // Preserve original behaviour so backwards compatible when still using properties
      const result = {};
      const len = this.options.length;

      for (let i = 0; i < len; i++) {
        const key = this.options[i].attributeName();
        result[key] =
          key === this._versionOptionName ? this._version : this[key];
      }
      return result;
    }

    return this._optionValues;
  }

  /**
   * Return an object containing merged local and global option values as key-value pairs.
   *
   * @return {object}
   */
  optsWithGlobals() {
    // globals overwrite locals
    return this._getCommandAndAncestors().reduce(
      (combinedOptions, cmd) => Object.assign(combinedOptions, cmd.opts()),
      {},
    );
  }

  /**
   * Display error message and exit (or call exitOverride).
   *
   * @param {string} message
   * @param {object} [errorOptions]
   * @param {string} [errorOptions.code] - an id string representing the error
   * @param {number} [errorOptions.exitCode] - used with process.exit
   */
  error(message, errorOptions) {
    // output handling
    this._outputConfiguration.outputError(
      `${message}\n`,
      this._outputConfiguration.writeErr,
    );
    if (typeof this._showHelpAfterError === 'string') {
      this._outputConfiguration.writeErr(`${this._showHelpAfterError}\n`);
    } else if (this._showHelpAfterError) {
      this._outputConfiguration.writeErr('\n');
      this.outputHelp({ error: true });
    }

    // exit handling
    const config = errorOptions || {};
    const exitCode = config.exitCode || 1;
    const code = config.code || 'commander.error';
    this._exit(exitCode, code, message);
  }

  /**
   * Apply any option related environment variables, if option does
   * not have a value from cli or client code.
   *
   * @private
   */
  _parseOptionsEnv() {
    this.options.forEach((option) => {
      if (option.envVar && option.envVar in external_node_process_.env) {
        const optionKey = option.attributeName();
        // Priority check. Do not overwrite cli or options from unknown source (client-code).
        if (
          this.getOptionValue(optionKey) === undefined ||
          ['default', 'config', 'env'].includes(
            this.getOptionValueSource(optionKey),
          )
        ) {
          if (option.required || option.optional) {
            // option can take a value
            // keep very simple, optional always takes value
            this.emit(`optionEnv:${option.name()}`, external_node_process_.env[option.envVar]);
          } else {
            // boolean
            // keep very simple, only care that envVar defined and not the value
            this.emit(`optionEnv:${option.name()}`);
          }
        }
      }
    });
  }

  /**
   * Apply any implied option values, if option is undefined or default value.
   *
   * @private
   */
  _parseOptionsImplied() {
    const dualHelper = new DualOptions(this.options);
    const hasCustomOptionValue = (optionKey) => {
      return (
        this.getOptionValue(optionKey) !== undefined &&
        !['default', 'implied'].includes(this.getOptionValueSource(optionKey))
      );
    };
    this.options
      .filter(
        (option) =>
          option.implied !== undefined &&
          hasCustomOptionValue(option.attributeName()) &&
          dualHelper.valueFromOption(
            this.getOptionValue(option.attributeName()),
            option,
          ),
      )
      .forEach((option) => {
        Object.keys(option.implied)
          .filter((impliedKey) => !hasCustomOptionValue(impliedKey))
          .forEach((impliedKey) => {
            this.setOptionValueWithSource(
              impliedKey,
              option.implied[impliedKey],
              'implied',
            );
          });
      });
  }

  /**
   * Argument `name` is missing.
   *
   * @param {string} name
   * @private
   */

  missingArgument(name) {
    const message = `error: missing required argument '${name}'`;
    this.error(message, { code: 'commander.missingArgument' });
  }

  /**
   * `Option` is missing an argument.
   *
   * @param {Option} option
   * @private
   */

  optionMissingArgument(option) {
    const message = `error: option '${option.flags}' argument missing`;
    this.error(message, { code: 'commander.optionMissingArgument' });
  }

  /**
   * `Option` does not have a value, and is a mandatory option.
   *
   * @param {Option} option
   * @private
   */

  missingMandatoryOptionValue(option) {
    const message = `error: required option '${option.flags}' not specified`;
    this.error(message, { code: 'commander.missingMandatoryOptionValue' });
  }

  /**
   * `Option` conflicts with another option.
   *
   * @param {Option} option
   * @param {Option} conflictingOption
   * @private
   */
  _conflictingOption(option, conflictingOption) {
    // The calling code does not know whether a negated option is the source of the
    // value, so do some work to take an educated guess.
    const findBestOptionFromValue = (option) => {
      const optionKey = option.attributeName();
      const optionValue = this.getOptionValue(optionKey);
      const negativeOption = this.options.find(
        (target) => target.negate && optionKey === target.attributeName(),
      );
      const positiveOption = this.options.find(
        (target) => !target.negate && optionKey === target.attributeName(),
      );
      if (
        negativeOption &&
        ((negativeOption.presetArg === undefined && optionValue === false) ||
          (negativeOption.presetArg !== undefined &&
            optionValue === negativeOption.presetArg))
      ) {
        return negativeOption;
      }
      return positiveOption || option;
    };

    const getErrorMessage = (option) => {
      const bestOption = findBestOptionFromValue(option);
      const optionKey = bestOption.attributeName();
      const source = this.getOptionValueSource(optionKey);
      if (source === 'env') {
        return `environment variable '${bestOption.envVar}'`;
      }
      return `option '${bestOption.flags}'`;
    };

    const message = `error: ${getErrorMessage(option)} cannot be used with ${getErrorMessage(conflictingOption)}`;
    this.error(message, { code: 'commander.conflictingOption' });
  }

  /**
   * Unknown option `flag`.
   *
   * @param {string} flag
   * @private
   */

  unknownOption(flag) {
    if (this._allowUnknownOption) return;
    let suggestion = '';

    if (flag.startsWith('--') && this._showSuggestionAfterError) {
      // Looping to pick up the global options too
      let candidateFlags = [];
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      let command = this;
      do {
        const moreFlags = command
          .createHelp()
          .visibleOptions(command)
          .filter((option) => option.long)
          .map((option) => option.long);
        candidateFlags = candidateFlags.concat(moreFlags);
        command = command.parent;
      } while (command && !command._enablePositionalOptions);
      suggestion = suggestSimilar(flag, candidateFlags);
    }

    const message = `error: unknown option '${flag}'${suggestion}`;
    this.error(message, { code: 'commander.unknownOption' });
  }

  /**
   * Excess arguments, more than expected.
   *
   * @param {string[]} receivedArgs
   * @private
   */

  _excessArguments(receivedArgs) {
    if (this._allowExcessArguments) return;

    const expected = this.registeredArguments.length;
    const s = expected === 1 ? '' : 's';
    const received = receivedArgs.length;
    const forSubcommand = this.parent ? ` for '${this.name()}'` : '';
    const details = receivedArgs.join(', ');
    const message = `error: too many arguments${forSubcommand}. Expected ${expected} argument${s} but got ${received}: ${details}.`;
    this.error(message, { code: 'commander.excessArguments' });
  }

  /**
   * Unknown command.
   *
   * @private
   */

  unknownCommand() {
    const unknownName = this.args[0];
    let suggestion = '';

    if (this._showSuggestionAfterError) {
      const candidateNames = [];
      this.createHelp()
        .visibleCommands(this)
        .forEach((command) => {
          candidateNames.push(command.name());
          // just visible alias
          if (command.alias()) candidateNames.push(command.alias());
        });
      suggestion = suggestSimilar(unknownName, candidateNames);
    }

    const message = `error: unknown command '${unknownName}'${suggestion}`;
    this.error(message, { code: 'commander.unknownCommand' });
  }

  /**
   * Get or set the program version.
   *
   * This method auto-registers the "-V, --version" option which will print the version number.
   *
   * You can optionally supply the flags and description to override the defaults.
   *
   * @param {string} [str]
   * @param {string} [flags]
   * @param {string} [description]
   * @return {(this | string | undefined)} `this` command for chaining, or version string if no arguments
   */

  version(str, flags, description) {
    if (str === undefined) return this._version;
    this._version = str;
    flags = flags || '-V, --version';
    description = description || 'output the version number';
    const versionOption = this.createOption(flags, description);
    this._versionOptionName = versionOption.attributeName();
    this._registerOption(versionOption);

    this.on('option:' + versionOption.name(), () => {
      this._outputConfiguration.writeOut(`${str}\n`);
      this._exit(0, 'commander.version', str);
    });
    return this;
  }

  /**
   * Set the description.
   *
   * @param {string} [str]
   * @param {object} [argsDescription]
   * @return {(string|Command)}
   */
  description(str, argsDescription) {
    if (str === undefined && argsDescription === undefined)
      return this._description;
    this._description = str;
    if (argsDescription) {
      this._argsDescription = argsDescription;
    }
    return this;
  }

  /**
   * Set the summary. Used when listed as subcommand of parent.
   *
   * @param {string} [str]
   * @return {(string|Command)}
   */
  summary(str) {
    if (str === undefined) return this._summary;
    this._summary = str;
    return this;
  }

  /**
   * Set an alias for the command.
   *
   * You may call more than once to add multiple aliases. Only the first alias is shown in the auto-generated help.
   *
   * @param {string} [alias]
   * @return {(string|Command)}
   */

  alias(alias) {
    if (alias === undefined) return this._aliases[0]; // just return first, for backwards compatibility

    /** @type {Command} */
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let command = this;
    if (
      this.commands.length !== 0 &&
      this.commands[this.commands.length - 1]._executableHandler
    ) {
      // assume adding alias for last added executable subcommand, rather than this
      command = this.commands[this.commands.length - 1];
    }

    if (alias === command._name)
      throw new Error("Command alias can't be the same as its name");
    const matchingCommand = this.parent?._findCommand(alias);
    if (matchingCommand) {
      // c.f. _registerCommand
      const existingCmd = [matchingCommand.name()]
        .concat(matchingCommand.aliases())
        .join('|');
      throw new Error(
        `cannot add alias '${alias}' to command '${this.name()}' as already have command '${existingCmd}'`,
      );
    }

    command._aliases.push(alias);
    return this;
  }

  /**
   * Set aliases for the command.
   *
   * Only the first alias is shown in the auto-generated help.
   *
   * @param {string[]} [aliases]
   * @return {(string[]|Command)}
   */

  aliases(aliases) {
    // Getter for the array of aliases is the main reason for having aliases() in addition to alias().
    if (aliases === undefined) return this._aliases;

    aliases.forEach((alias) => this.alias(alias));
    return this;
  }

  /**
   * Set / get the command usage `str`.
   *
   * @param {string} [str]
   * @return {(string|Command)}
   */

  usage(str) {
    if (str === undefined) {
      if (this._usage) return this._usage;

      const args = this.registeredArguments.map((arg) => {
        return humanReadableArgName(arg);
      });
      return []
        .concat(
          this.options.length || this._helpOption !== null ? '[options]' : [],
          this.commands.length ? '[command]' : [],
          this.registeredArguments.length ? args : [],
        )
        .join(' ');
    }

    this._usage = str;
    return this;
  }

  /**
   * Get or set the name of the command.
   *
   * @param {string} [str]
   * @return {(string|Command)}
   */

  name(str) {
    if (str === undefined) return this._name;
    this._name = str;
    return this;
  }

  /**
   * Set/get the help group heading for this subcommand in parent command's help.
   *
   * @param {string} [heading]
   * @return {Command | string}
   */

  helpGroup(heading) {
    if (heading === undefined) return this._helpGroupHeading ?? '';
    this._helpGroupHeading = heading;
    return this;
  }

  /**
   * Set/get the default help group heading for subcommands added to this command.
   * (This does not override a group set directly on the subcommand using .helpGroup().)
   *
   * @example
   * program.commandsGroup('Development Commands:');
   * program.command('watch')...
   * program.command('lint')...
   * ...
   *
   * @param {string} [heading]
   * @returns {Command | string}
   */
  commandsGroup(heading) {
    if (heading === undefined) return this._defaultCommandGroup ?? '';
    this._defaultCommandGroup = heading;
    return this;
  }

  /**
   * Set/get the default help group heading for options added to this command.
   * (This does not override a group set directly on the option using .helpGroup().)
   *
   * @example
   * program
   *   .optionsGroup('Development Options:')
   *   .option('-d, --debug', 'output extra debugging')
   *   .option('-p, --profile', 'output profiling information')
   *
   * @param {string} [heading]
   * @returns {Command | string}
   */
  optionsGroup(heading) {
    if (heading === undefined) return this._defaultOptionGroup ?? '';
    this._defaultOptionGroup = heading;
    return this;
  }

  /**
   * @param {Option} option
   * @private
   */
  _initOptionGroup(option) {
    if (this._defaultOptionGroup && !option.helpGroupHeading)
      option.helpGroup(this._defaultOptionGroup);
  }

  /**
   * @param {Command} cmd
   * @private
   */
  _initCommandGroup(cmd) {
    if (this._defaultCommandGroup && !cmd.helpGroup())
      cmd.helpGroup(this._defaultCommandGroup);
  }

  /**
   * Set the name of the command from script filename, such as process.argv[1],
   * or import.meta.filename.
   *
   * (Used internally and public although not documented in README.)
   *
   * @example
   * program.nameFromFilename(import.meta.filename);
   *
   * @param {string} filename
   * @return {Command}
   */

  nameFromFilename(filename) {
    this._name = external_node_path_.basename(filename, external_node_path_.extname(filename));

    return this;
  }

  /**
   * Get or set the directory for searching for executable subcommands of this command.
   *
   * @example
   * program.executableDir(import.meta.dirname);
   * // or
   * program.executableDir('subcommands');
   *
   * @param {string} [path]
   * @return {(string|null|Command)}
   */

  executableDir(path) {
    if (path === undefined) return this._executableDir;
    this._executableDir = path;
    return this;
  }

  /**
   * Return program help documentation.
   *
   * @param {{ error: boolean }} [contextOptions] - pass {error:true} to wrap for stderr instead of stdout
   * @return {string}
   */

  helpInformation(contextOptions) {
    const helper = this.createHelp();
    const context = this._getOutputContext(contextOptions);
    helper.prepareContext({
      error: context.error,
      helpWidth: context.helpWidth,
      outputHasColors: context.hasColors,
    });
    const text = helper.formatHelp(this, helper);
    if (context.hasColors) return text;
    return this._outputConfiguration.stripColor(text);
  }

  /**
   * @typedef HelpContext
   * @type {object}
   * @property {boolean} error
   * @property {number} helpWidth
   * @property {boolean} hasColors
   * @property {function} write - includes stripColor if needed
   *
   * @returns {HelpContext}
   * @private
   */

  _getOutputContext(contextOptions) {
    contextOptions = contextOptions || {};
    const error = !!contextOptions.error;
    let baseWrite;
    let hasColors;
    let helpWidth;
    if (error) {
      baseWrite = (str) => this._outputConfiguration.writeErr(str);
      hasColors = this._outputConfiguration.getErrHasColors();
      helpWidth = this._outputConfiguration.getErrHelpWidth();
    } else {
      baseWrite = (str) => this._outputConfiguration.writeOut(str);
      hasColors = this._outputConfiguration.getOutHasColors();
      helpWidth = this._outputConfiguration.getOutHelpWidth();
    }
    const write = (str) => {
      if (!hasColors) str = this._outputConfiguration.stripColor(str);
      return baseWrite(str);
    };
    return { error, write, hasColors, helpWidth };
  }

  /**
   * Output help information for this command.
   *
   * Outputs built-in help, and custom text added using `.addHelpText()`.
   *
   * @param {{ error: boolean } | Function} [contextOptions] - pass {error:true} to write to stderr instead of stdout
   */

  outputHelp(contextOptions) {
    let deprecatedCallback;
    if (typeof contextOptions === 'function') {
      deprecatedCallback = contextOptions;
      contextOptions = undefined;
    }

    const outputContext = this._getOutputContext(contextOptions);
    /** @type {HelpTextEventContext} */
    const eventContext = {
      error: outputContext.error,
      write: outputContext.write,
      command: this,
    };

    this._getCommandAndAncestors()
      .reverse()
      .forEach((command) => command.emit('beforeAllHelp', eventContext));
    this.emit('beforeHelp', eventContext);

    let helpInformation = this.helpInformation({ error: outputContext.error });
    if (deprecatedCallback) {
      helpInformation = deprecatedCallback(helpInformation);
      if (
        typeof helpInformation !== 'string' &&
        !Buffer.isBuffer(helpInformation)
      ) {
        throw new Error('outputHelp callback must return a string or a Buffer');
      }
    }
    outputContext.write(helpInformation);

    if (this._getHelpOption()?.long) {
      this.emit(this._getHelpOption().long); // deprecated
    }
    this.emit('afterHelp', eventContext);
    this._getCommandAndAncestors().forEach((command) =>
      command.emit('afterAllHelp', eventContext),
    );
  }

  /**
   * You can pass in flags and a description to customise the built-in help option.
   * Pass in false to disable the built-in help option.
   *
   * @example
   * program.helpOption('-?, --help', 'show help'); // customise
   * program.helpOption(false); // disable
   *
   * @param {(string | boolean)} flags
   * @param {string} [description]
   * @return {Command} `this` command for chaining
   */

  helpOption(flags, description) {
    // Support enabling/disabling built-in help option.
    if (typeof flags === 'boolean') {
      if (flags) {
        if (this._helpOption === null) this._helpOption = undefined; // reenable
        if (this._defaultOptionGroup) {
          // make the option to store the group
          this._initOptionGroup(this._getHelpOption());
        }
      } else {
        this._helpOption = null; // disable
      }
      return this;
    }

    // Customise flags and description.
    this._helpOption = this.createOption(
      flags ?? '-h, --help',
      description ?? 'display help for command',
    );
    // init group unless lazy create
    if (flags || description) this._initOptionGroup(this._helpOption);

    return this;
  }

  /**
   * Lazy create help option.
   * Returns null if has been disabled with .helpOption(false).
   *
   * @returns {(Option | null)} the help option
   * @package
   */
  _getHelpOption() {
    // Lazy create help option on demand.
    if (this._helpOption === undefined) {
      this.helpOption(undefined, undefined);
    }
    return this._helpOption;
  }

  /**
   * Supply your own option to use for the built-in help option.
   * This is an alternative to using helpOption() to customise the flags and description etc.
   *
   * @param {Option} option
   * @return {Command} `this` command for chaining
   */
  addHelpOption(option) {
    this._helpOption = option;
    this._initOptionGroup(option);
    return this;
  }

  /**
   * Output help information and exit.
   *
   * Outputs built-in help, and custom text added using `.addHelpText()`.
   *
   * @param {{ error: boolean }} [contextOptions] - pass {error:true} to write to stderr instead of stdout
   */

  help(contextOptions) {
    this.outputHelp(contextOptions);
    let exitCode = Number(external_node_process_.exitCode ?? 0); // process.exitCode does allow a string or an integer, but we prefer just a number
    if (
      exitCode === 0 &&
      contextOptions &&
      typeof contextOptions !== 'function' &&
      contextOptions.error
    ) {
      exitCode = 1;
    }
    // message: do not have all displayed text available so only passing placeholder.
    this._exit(exitCode, 'commander.help', '(outputHelp)');
  }

  /**
   * // Do a little typing to coordinate emit and listener for the help text events.
   * @typedef HelpTextEventContext
   * @type {object}
   * @property {boolean} error
   * @property {Command} command
   * @property {function} write
   */

  /**
   * Add additional text to be displayed with the built-in help.
   *
   * Position is 'before' or 'after' to affect just this command,
   * and 'beforeAll' or 'afterAll' to affect this command and all its subcommands.
   *
   * @param {string} position - before or after built-in help
   * @param {(string | Function)} text - string to add, or a function returning a string
   * @return {Command} `this` command for chaining
   */

  addHelpText(position, text) {
    const allowedValues = ['beforeAll', 'before', 'after', 'afterAll'];
    if (!allowedValues.includes(position)) {
      throw new Error(`Unexpected value for position to addHelpText.
Expecting one of '${allowedValues.join("', '")}'`);
    }

    const helpEvent = `${position}Help`;
    this.on(helpEvent, (/** @type {HelpTextEventContext} */ context) => {
      let helpStr;
      if (typeof text === 'function') {
        helpStr = text({ error: context.error, command: context.command });
      } else {
        helpStr = text;
      }
      // Ignore falsy value when nothing to output.
      if (helpStr) {
        context.write(`${helpStr}\n`);
      }
    });
    return this;
  }

  /**
   * Output help information if help flags specified
   *
   * @param {Array} args - array of options to search for help flags
   * @private
   */

  _outputHelpIfRequested(args) {
    const helpOption = this._getHelpOption();
    const helpRequested = helpOption && args.find((arg) => helpOption.is(arg));
    if (helpRequested) {
      this.outputHelp();
      // (Do not have all displayed text available so only passing placeholder.)
      this._exit(0, 'commander.helpDisplayed', '(outputHelp)');
    }
  }
}

/**
 * Scan arguments and increment port number for inspect calls (to avoid conflicts when spawning new command).
 *
 * @param {string[]} args - array of arguments from node.execArgv
 * @returns {string[]}
 * @private
 */

function incrementNodeInspectorPort(args) {
  // Testing for these options:
  //  --inspect[=[host:]port]
  //  --inspect-brk[=[host:]port]
  //  --inspect-wait[=[host:]port]
  //  --inspect-port=[host:]port
  //
  // Host can be an IP literal encapsulated within square brackets (e.g. [::1]),
  // an IPv4 address in dotted-decimal form (e.g. 192.168.0.1), or a registered name.
  // https://www.rfc-editor.org/rfc/rfc3986.html#section-3.2.2
  return args.map((arg) => {
    if (!arg.startsWith('--inspect')) {
      return arg;
    }
    let debugOption;
    let debugHost = '127.0.0.1';
    let debugPort = '9229';
    let match;
    if ((match = arg.match(/^(--inspect(-brk|-wait)?)$/)) !== null) {
      // e.g. --inspect
      debugOption = match[1];
    } else if (
      (match = arg.match(
        /^(--inspect(-brk|-port|-wait)?)=(\[[^\]]+\]|[^:]+)$/,
      )) !== null
    ) {
      // Matches a host or a port, but not both. No colon to separate them.
      debugOption = match[1];
      if (/^\d+$/.test(match[3])) {
        // Plain digits so a port number.
        // e.g. --inspect=1234
        debugPort = match[3];
      } else {
        // Assume a host.
        // e.g. --inspect=localhost, --inspect=[::1], --inspect=192.168.0.1
        debugHost = match[3];
      }
    } else if (
      (match = arg.match(
        /^(--inspect(-brk|-port|-wait)?)=(\[[^\]]+\]|[^:]+):(\d+)$/,
      )) !== null
    ) {
      // Matched host:port pattern.
      // e.g. --inspect=localhost:1234, --inspect=[::1]:1234, --inspect=192.168.0.1:1234
      debugOption = match[1];
      debugHost = match[3];
      debugPort = match[4];
    }

    if (debugOption && debugPort !== '0') {
      return `${debugOption}=${debugHost}:${parseInt(debugPort) + 1}`;
    }
    return arg;
  });
}

/**
 * Exported for using from tests, not otherwise used outside this file.
 *
 * @returns {boolean | undefined}
 * @package
 */
function useColor() {
  // Test for common conventions.
  // NB: the observed behaviour is in combination with how author adds color! For example:
  //   - we do not test NODE_DISABLE_COLORS, but util:styletext does
  //   - we do test NO_COLOR, but Chalk does not
  //
  // References:
  // https://no-color.org
  // https://bixense.com/clicolors/
  // https://github.com/nodejs/node/blob/0a00217a5f67ef4a22384cfc80eb6dd9a917fdc1/lib/internal/tty.js#L109
  // https://github.com/chalk/supports-color/blob/c214314a14bcb174b12b3014b2b0a8de375029ae/index.js#L33
  // (https://force-color.org recent web page from 2023, does not match major javascript implementations)

  if (
    external_node_process_.env.NO_COLOR ||
    external_node_process_.env.FORCE_COLOR === '0' ||
    external_node_process_.env.FORCE_COLOR === 'false'
  )
    return false;
  if (external_node_process_.env.FORCE_COLOR || external_node_process_.env.CLICOLOR_FORCE !== undefined)
    return true;
  return undefined;
}

;// CONCATENATED MODULE: ./node_modules/commander/index.js






const program = new command_Command();

const createCommand = (name) => new Command(name);
const createOption = (flags, description) =>
  new Option(flags, description);
const createArgument = (name, description) =>
  new Argument(name, description);

/**
 * Expose classes
 */





;// CONCATENATED MODULE: ./src/core/chunks.ts
const DEFAULT_CHUNK_SIZE = 50_000;
function chunkFile(start, end) {
    return `chunks/uuids-${start}-${end}.txt`;
}
/**
 * Splits `total` ids into chunks of `chunkSize`; with `maxChunks` (the caller's limit, e.g. the
 * jobs a matrix may have), the size is raised so that there are never more chunks than that.
 */
function planChunks(total, chunkSize = DEFAULT_CHUNK_SIZE, maxChunks) {
    let size = chunkSize;
    let requested;
    if (maxChunks !== undefined && Math.ceil(total / size) > maxChunks) {
        requested = size;
        size = Math.ceil(total / maxChunks);
    }
    const chunks = [];
    for (let start = 0, index = 0; start < total; start += size, index++) {
        const end = Math.min(start + size, total);
        chunks.push({ index, start, end, file: chunkFile(start, end) });
    }
    return requested === undefined ? { chunkSize: size, chunks } : { chunkSize: size, requested, maxChunks, chunks };
}

;// CONCATENATED MODULE: ./src/core/errors.ts
/**
 * Two kinds of failure, mapped to the contract's exit codes by the adapters:
 * UsageError (exit 2) is raised before anything is sent or written;
 * RunError (exit 1) means the run started and stopped, keeping partial results.
 */
class UsageError extends Error {
    name = 'UsageError';
}
class RunError extends Error {
    name = 'RunError';
}
/** Exit code for an error thrown out of a mode. */
function exitCodeFor(err) {
    return err instanceof UsageError ? 2 : 1;
}
/** One line, no stack: what an operator reads. */
function oneLine(err) {
    const msg = err instanceof Error ? err.message : String(err);
    return msg.replace(/\s*\n\s*/g, ' ').trim();
}

;// CONCATENATED MODULE: ./src/core/interrupt.ts
/**
 * Ctrl-C, or SIGINT/SIGTERM from a cancelled job, asks the run to stop cleanly: the batch or
 * requests in flight finish and are recorded, so a rerun neither loses nor repeats them. A
 * second signal quits at once.
 */
function interruptSignal(say) {
    const ctl = new AbortController();
    const onSignal = (sig) => {
        if (ctl.signal.aborted)
            process.exit(130);
        say(`${sig}: stopping after the work in flight; send it again to quit now`);
        ctl.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return {
        signal: ctl.signal,
        dispose() {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
        },
    };
}

;// CONCATENATED MODULE: ./src/core/progress.ts
const silentReporter = {
    info() { },
    warn() { },
    start: () => ({ update() { }, stop() { } }),
};
function formatDuration(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60)
        return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60)
        return `${m}m${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
/** Progress as periodic log lines with rate and ETA, for logs that are not terminals. */
function periodicProgress(print, everyMs = 5000, now = () => Date.now()) {
    return {
        start(label, total) {
            const t0 = now();
            let last = t0;
            let done = 0;
            let counts;
            const line = () => {
                const elapsed = now() - t0;
                const rate = elapsed > 0 ? (done * 1000) / elapsed : 0;
                const eta = rate > 0 && total > done ? ` eta ${formatDuration(((total - done) / rate) * 1000)}` : '';
                const extra = counts ? ' ' + Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '';
                const pct = total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : '';
                print(`${label}: ${done}/${total}${pct}${extra} ${Math.round(rate)}/s${eta}`);
            };
            return {
                update(d, c) {
                    done = d;
                    counts = c;
                    const t = now();
                    if (t - last >= everyMs) {
                        last = t;
                        line();
                    }
                },
                stop() {
                    line();
                },
            };
        },
    };
}

;// CONCATENATED MODULE: ./src/core/classify.ts
/**
 * The one place where an answer of a store or of Socorro's API becomes a verdict. Ports hand in
 * what came over the wire (an HTTP status, and the error code a body or a client library
 * named); modes act on the verdicts only.
 *
 * The rule everything else follows: only a 404 for an object in a bucket known to exist means
 * "not processed". Counting any other failure as a havenot would send healthy crashes to the
 * processing queue, so everything else is found (2xx), a reason to stop, worth another try, or
 * an error for that one id.
 */
/** Error codes (S3's XML `Code`, GCS's `reason`) that decide a failure where the status alone would not. */
const CODE_KINDS = {
    NoSuchBucket: 'no-such-bucket',
    RequestTimeTooSkewed: 'clock-skew',
    SignatureDoesNotMatch: 'signature',
    InvalidAccessKeyId: 'unauthenticated',
    ExpiredToken: 'unauthenticated',
    TokenRefreshRequired: 'unauthenticated',
    InvalidToken: 'unauthenticated',
    SlowDown: 'throttled',
    rateLimitExceeded: 'throttled',
    userRateLimitExceeded: 'throttled',
    authError: 'unauthenticated',
};
function failureOf(status, code) {
    const byCode = code === undefined ? undefined : CODE_KINDS[code];
    if (byCode)
        return byCode;
    if (status === 401)
        return 'unauthenticated';
    if (status === 403)
        return 'forbidden';
    if (status === 429 || status === 503)
        return 'throttled';
    if (status === 0 || status === 408 || status >= 500)
        return 'unavailable';
    return 'rejected';
}
/**
 * An object request's answer. `status` 0 means no HTTP answer (reset, timeout). A 404 is
 * "missing" only as far as the object goes: a HEAD in a bucket that does not exist is a bodyless
 * 404 too, which is why check asks the store about the bucket (a listing) before any HEAD.
 */
function classifyObjectAnswer(status, code) {
    if (status >= 200 && status < 300)
        return 'found';
    if (status === 404 && code !== 'NoSuchBucket')
        return 'missing';
    if (status === 404)
        return 'no-such-bucket';
    return failureOf(status, code);
}
/** A listing's failure: its 404 can only mean the bucket is missing. */
function classifyListFailure(status, code) {
    if (status === 404)
        return 'no-such-bucket';
    return failureOf(status, code);
}
/** Failures a retry may cure. */
function isTransient(kind) {
    return kind === 'throttled' || kind === 'unavailable';
}
/** Failures that say nothing about one crash and would say the same of every other: stop the run. */
function isFatal(kind) {
    return !isTransient(kind) && kind !== 'rejected';
}
function classifySubmit(status) {
    if (status >= 200 && status < 300)
        return 'accepted';
    if (status === 400)
        return 'invalid';
    if (status === 401 || status === 403)
        return 'forbidden';
    return 'error';
}
/** Statuses (and no answer, 0) worth retrying on Socorro's API: rate limits and server trouble. */
function isRetryableApiStatus(status) {
    return status === 0 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
function classifySearch(status) {
    if (status >= 200 && status < 300)
        return 'answered';
    if (status === 401 || status === 403)
        return 'forbidden';
    return 'error';
}

;// CONCATENATED MODULE: ./src/core/clock.ts
const sleep = (ms, signal) => new Promise((resolve) => {
    if (signal?.aborted)
        return resolve();
    const t = setTimeout(done, ms);
    function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
});
const systemClock = { now: () => Date.now(), sleep };
/**
 * A clock that moves only when told to, for unit tests. A sleep resolves once `advance` (or
 * `runAll`) moves time past its deadline; sleepers wake in deadline order.
 */
class FakeClock {
    t;
    sleepers = [];
    constructor(start = Date.UTC(2026, 11, 1)) {
        this.t = start;
    }
    now() {
        return this.t;
    }
    /** How many sleeps are waiting. */
    get pending() {
        return this.sleepers.length;
    }
    sleep(ms, signal) {
        return new Promise((resolve) => {
            if (signal?.aborted)
                return resolve();
            const entry = { at: this.t + Math.max(0, ms), wake: () => resolve() };
            this.sleepers.push(entry);
            signal?.addEventListener('abort', () => {
                this.sleepers = this.sleepers.filter((s) => s !== entry);
                resolve();
            }, { once: true });
        });
    }
    /** Moves time forward by `ms`, waking every sleeper due on the way (letting each run in turn). */
    async advance(ms) {
        const end = this.t + ms;
        for (;;) {
            await flushMicrotasks();
            const due = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
            if (!due)
                break;
            this.t = Math.max(this.t, due.at);
            this.sleepers = this.sleepers.filter((s) => s !== due);
            due.wake();
        }
        this.t = end;
        await flushMicrotasks();
    }
    /** Advances until nobody sleeps (at most `limitMs`); returns the time that passed. */
    async runAll(limitMs = 24 * 3600_000) {
        const start = this.t;
        for (;;) {
            await flushMicrotasks();
            const next = this.sleepers.reduce((m, s) => Math.min(m, s.at), Infinity);
            if (next === Infinity || next - start > limitMs)
                break;
            await this.advance(next - this.t);
        }
        return this.t - start;
    }
}
/** Lets promise chains settle (several turns: a chain of awaits needs one each). */
async function flushMicrotasks() {
    for (let i = 0; i < 20; i++)
        await Promise.resolve();
    await new Promise((r) => setImmediate(r));
}

;// CONCATENATED MODULE: ./src/core/crash-id.ts
/**
 * Crash ids: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxTYYMMDD`, lowercase hex, the last six digits the
 * date the collector accepted the crash. Same shape as Socorro's libooid.CRASH_ID_RE.
 */
const CRASH_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/;
const CRASH_ID_LENGTH = 36;
function isCrashId(s) {
    return s.length === CRASH_ID_LENGTH && CRASH_ID_RE.test(s);
}
/** `YYYYMMDD` of a crash id (Socorro assumes 20YY). */
function crashIdDate(id) {
    return '20' + id.slice(-6);
}
/**
 * Packed form: 26 hex digits in 13 bytes and 6 decimal digits in 3 BCD bytes. Byte order of the
 * packed form equals string order of the ids, so packed ids sort like the text files. Ids are
 * packed from strings (parsed options, listings) or straight from file bytes (id files are read
 * without a string per line); both unpack through one 36-byte buffer.
 */
const PACKED_SIZE = 16;
// Offsets of the 26 hex digits in an id (dashes at 8, 13, 18, 23).
const HEX_AT = [];
for (let i = 0; i < 26; i++)
    HEX_AT.push(i + (i >= 8 ? 1 : 0) + (i >= 12 ? 1 : 0) + (i >= 16 ? 1 : 0) + (i >= 20 ? 1 : 0));
const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// '0'-'9' or 'a'-'f'; input is already validated.
const nibble = (c) => (c <= 0x39 ? c - 0x30 : c - 0x57);
/** Whether the 36 bytes at `buf[off]` spell a crash id (same rule as CRASH_ID_RE). */
function isCrashIdAt(buf, off) {
    for (let i = 0; i < CRASH_ID_LENGTH; i++) {
        const c = buf[off + i];
        if (i === 8 || i === 13 || i === 18 || i === 23) {
            if (c !== 0x2d)
                return false; // '-'
        }
        else if (i >= 30) {
            if (c < 0x30 || c > 0x39)
                return false; // date digits
        }
        else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
            return false; // lowercase hex
        }
    }
    return true;
}
/** Packs a valid crash id (a string) into `out[offset..offset+16)`. */
function packCrashId(id, out, offset) {
    for (let i = 0; i < 13; i++) {
        out[offset + i] = (nibble(id.charCodeAt(HEX_AT[2 * i])) << 4) | nibble(id.charCodeAt(HEX_AT[2 * i + 1]));
    }
    for (let i = 0; i < 3; i++) {
        out[offset + 13 + i] = ((id.charCodeAt(30 + 2 * i) - 0x30) << 4) | (id.charCodeAt(31 + 2 * i) - 0x30);
    }
}
/** Packs the valid crash id spelled by the ASCII bytes at `buf[off]` into `out[0..16)`. */
function packCrashIdBytes(buf, off, out) {
    for (let i = 0; i < 13; i++)
        out[i] = (nibble(buf[off + HEX_AT[2 * i]]) << 4) | nibble(buf[off + HEX_AT[2 * i + 1]]);
    for (let i = 0; i < 3; i++)
        out[13 + i] = ((buf[off + 30 + 2 * i] - 0x30) << 4) | (buf[off + 31 + 2 * i] - 0x30);
}
/** The crash id packed at `packed[off]`, spelled through `text` (36 bytes): one string per id. */
function unpackCrashId(packed, off, text = Buffer.alloc(CRASH_ID_LENGTH)) {
    let w = 0;
    for (let i = 0; i < 13; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10)
            text[w++] = 0x2d;
        const b = packed[off + i];
        text[w++] = HEX_CODES[b >> 4];
        text[w++] = HEX_CODES[b & 15];
    }
    for (let i = 13; i < 16; i++) {
        const b = packed[off + i];
        text[w++] = 0x30 + (b >> 4);
        text[w++] = 0x30 + (b & 15);
    }
    return text.toString('latin1', 0, CRASH_ID_LENGTH);
}

;// CONCATENATED MODULE: ./src/core/id-set.ts

/**
 * A set of crash ids in insertion order, about 24 bytes an id instead of ~100 for a Set of
 * strings: a million-id havenots file plus its ledger fit in a few tens of MB.
 * Ids must be valid (see crash-id.ts); validation happens where files are read.
 */
class IdSet {
    keys;
    count = 0;
    table; // slot -> index+1, 0 = empty
    mask;
    scratch = new Uint8Array(PACKED_SIZE);
    text = Buffer.alloc(CRASH_ID_LENGTH);
    constructor(expected = 1024) {
        let cap = 1024;
        while (cap < expected * 2)
            cap *= 2;
        this.table = new Uint32Array(cap);
        this.mask = cap - 1;
        this.keys = new Uint8Array(Math.max(expected, 64) * PACKED_SIZE);
    }
    get size() {
        return this.count;
    }
    /** Adds the id; true when it was not there before. */
    add(id) {
        packCrashId(id, this.scratch, 0);
        return this.addPacked(this.scratch, 0);
    }
    has(id) {
        packCrashId(id, this.scratch, 0);
        return this.table[this.find(this.scratch, 0)] !== 0;
    }
    /**
     * Adds the id spelled by the 36 ASCII bytes at `buf[off]`, which must be a valid crash id
     * (isCrashIdAt): how files are read without making a string per line.
     */
    addBytes(buf, off) {
        packCrashIdBytes(buf, off, this.scratch);
        return this.addPacked(this.scratch, 0);
    }
    /** Adds the `index`-th id of another set, with no string in between. */
    addFrom(src, index) {
        return this.addPacked(src.keys, index * PACKED_SIZE);
    }
    /** Whether the `index`-th id of another set is in this one. */
    hasFrom(src, index) {
        return this.table[this.find(src.keys, index * PACKED_SIZE)] !== 0;
    }
    /** Makes room for `n` ids in all, so a set of known size is not regrown (and copied) on the way. */
    reserve(n) {
        if (n * PACKED_SIZE > this.keys.length) {
            const grown = new Uint8Array(n * PACKED_SIZE);
            grown.set(this.keys.subarray(0, this.count * PACKED_SIZE));
            this.keys = grown;
        }
        let cap = this.table.length;
        while (cap < n * 2)
            cap *= 2;
        if (cap !== this.table.length)
            this.rehash(cap);
    }
    addPacked(buf, off) {
        const slot = this.find(buf, off);
        if (this.table[slot] !== 0)
            return false;
        if ((this.count + 1) * PACKED_SIZE > this.keys.length) {
            const grown = new Uint8Array(this.keys.length * 2);
            grown.set(this.keys);
            // `buf` may be this set's own keys only through addFrom(this, i), which never gets here.
            this.keys = grown;
        }
        this.keys.set(buf.subarray(off, off + PACKED_SIZE), this.count * PACKED_SIZE);
        this.count++;
        this.table[slot] = this.count;
        if (this.count * 2 > this.table.length)
            this.rehash(this.table.length * 2);
        return true;
    }
    /** The ids in insertion order. */
    *[Symbol.iterator]() {
        for (let i = 0; i < this.count; i++)
            yield this.at(i);
    }
    at(index) {
        return unpackCrashId(this.keys, index * PACKED_SIZE, this.text);
    }
    /**
     * murmur3 (32-bit) over all 16 packed bytes. Ids are only checked against the regex, so they
     * need not be uuid4-random: ids differing only in the middle must still spread over the table.
     */
    hash(buf, off) {
        let h = 0;
        for (let i = off; i < off + PACKED_SIZE; i += 4) {
            let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
            k = Math.imul(k, 0xcc9e2d51);
            k = (k << 15) | (k >>> 17);
            h ^= Math.imul(k, 0x1b873593);
            h = (h << 13) | (h >>> 19);
            h = (Math.imul(h, 5) + 0xe6546b64) | 0;
        }
        h ^= PACKED_SIZE;
        h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
        h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
        return h ^ (h >>> 16);
    }
    find(buf, off) {
        let slot = this.hash(buf, off) & this.mask;
        for (;;) {
            const e = this.table[slot];
            if (e === 0)
                return slot;
            const base = (e - 1) * PACKED_SIZE;
            let same = true;
            for (let i = 0; i < PACKED_SIZE; i++) {
                if (this.keys[base + i] !== buf[off + i]) {
                    same = false;
                    break;
                }
            }
            if (same)
                return slot;
            slot = (slot + 1) & this.mask;
        }
    }
    rehash(size) {
        this.table = new Uint32Array(size);
        this.mask = this.table.length - 1;
        for (let i = 0; i < this.count; i++) {
            this.table[this.find(this.keys, i * PACKED_SIZE)] = i + 1;
        }
    }
}
/**
 * Crash ids packed 16 bytes each, appended in any order, then sorted (string order: the packed
 * form sorts like the text) and deduplicated in place. How list holds what it finds: a month of
 * 11 M ids is 176 MB here (twice that while sorting), against ~1.8 GB as an array of strings,
 * each a slice that keeps its whole S3 key alive.
 */
class PackedIdList {
    buf = new Uint8Array(4096 * PACKED_SIZE);
    n = 0;
    text = Buffer.alloc(CRASH_ID_LENGTH);
    get size() {
        return this.n;
    }
    /** Appends a valid crash id (no check here). */
    push(id) {
        if ((this.n + 1) * PACKED_SIZE > this.buf.length) {
            const grown = new Uint8Array(this.buf.length * 2);
            grown.set(this.buf);
            this.buf = grown;
        }
        packCrashId(id, this.buf, this.n * PACKED_SIZE);
        this.n++;
    }
    at(index) {
        return unpackCrashId(this.buf, index * PACKED_SIZE, this.text);
    }
    /** The ids from `start` to `end` (exclusive), as strings, one at a time. */
    *range(start = 0, end = this.n) {
        for (let i = start; i < end; i++)
            yield this.at(i);
    }
    [Symbol.iterator]() {
        return this.range();
    }
    /**
     * Sorts and drops duplicates. A counting sort on the first two bytes (crash ids start with
     * uuid4 hex, so the 65,536 buckets are even), then each bucket sorted by the other 14 bytes.
     */
    sortUnique() {
        const n = this.n;
        if (n < 2)
            return;
        const src = this.buf;
        const S = PACKED_SIZE;
        const starts = new Uint32Array(65537);
        for (let i = 0; i < n; i++)
            starts[((src[i * S] << 8) | src[i * S + 1]) + 1]++;
        for (let b = 0; b < 65536; b++)
            starts[b + 1] += starts[b];
        const fill = starts.slice(0, 65536);
        const tmp = new Uint8Array(n * S);
        for (let i = 0; i < n; i++) {
            const b = (src[i * S] << 8) | src[i * S + 1];
            tmp.set(src.subarray(i * S, i * S + S), fill[b]++ * S);
        }
        // Back into buf, bucket by bucket in order; records that compare equal are dropped.
        const cmp = (a, b) => {
            for (let k = 2; k < S; k++) {
                const d = tmp[a * S + k] - tmp[b * S + k];
                if (d !== 0)
                    return d;
            }
            return 0;
        };
        let order = [];
        let w = 0;
        for (let b = 0; b < 65536; b++) {
            const s = starts[b];
            const e = starts[b + 1];
            if (e === s)
                continue;
            order.length = 0;
            for (let i = s; i < e; i++)
                order.push(i);
            if (e - s > 1)
                order.sort(cmp);
            let prev = -1;
            for (const r of order) {
                if (prev >= 0 && cmp(prev, r) === 0)
                    continue;
                src.set(tmp.subarray(r * S, r * S + S), w++ * S);
                prev = r;
            }
        }
        order = [];
        this.n = w;
    }
}

;// CONCATENATED MODULE: ./src/core/id-files.ts




/**
 * Reads crash-id files (CRLF, blanks, surrounding spaces and duplicates tolerated) into one
 * IdSet. Every file is read before anything is sent, so a bad line refuses the whole run.
 */
async function readIdFiles(paths, opts = {}, into) {
    let bytes = 0;
    for (const path of paths) {
        try {
            const st = await (0,promises_.stat)(path);
            if (!st.isFile())
                throw new UsageError(`${path}: not a file`);
            bytes += st.size;
        }
        catch (err) {
            if (err instanceof UsageError)
                throw err;
            throw new UsageError(`${path}: no such file`);
        }
    }
    // Sized from the files (37 bytes a line), so a million ids are not regrown and copied on the way.
    const expected = Math.ceil(bytes / (CRASH_ID_LENGTH + 1));
    const ids = into ?? new IdSet(expected);
    if (into)
        into.reserve(into.size + expected);
    const res = { ids, lines: 0, duplicates: 0, invalid: 0 };
    for (const path of paths) {
        const before = res.ids.size + res.duplicates;
        await scanIdLines(path, {
            id(buf, off) {
                res.lines++;
                if (!res.ids.addBytes(buf, off))
                    res.duplicates++;
            },
            other(line, lineNo) {
                res.lines++;
                if (isCrashId(line)) {
                    if (!res.ids.add(line))
                        res.duplicates++;
                    return;
                }
                if (opts.skipInvalid) {
                    res.invalid++;
                    return;
                }
                const shown = line.length > 60 ? line.slice(0, 57) + '...' : line;
                const hint = opts.skipInvalidOption ? ` (use ${opts.skipInvalidOption} to drop such lines)` : '';
                throw new UsageError(`${path}:${lineNo}: "${shown}" is not a crash id${hint}`);
            },
        });
        if (!opts.allowEmpty && res.ids.size + res.duplicates === before) {
            throw new UsageError(`${path}: no crash ids in the file`);
        }
    }
    return res;
}
const READ_SIZE = 1 << 20;
const isAsciiSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
/**
 * Reads a file line by line as readline does (`\n`, `\r\n` and a lone `\r` end a line; blank lines
 * are skipped but counted), without a string per line: a crash id (the usual line) goes from
 * the read buffer straight to `sink.id`. Anything else is decoded, trimmed like a string and
 * handed to `sink.other`, so odd lines (other whitespace, a byte order mark) behave exactly as
 * before. A throw from the sink stops the read.
 */
async function scanIdLines(path, sink, readSize = READ_SIZE) {
    const fh = await (0,promises_.open)(path, 'r');
    let buf = Buffer.allocUnsafe(readSize);
    let end = 0;
    let lineNo = 0;
    // One line, [s, e) without its `\n`; it may hold lone `\r`s (more lines) and end with the `\r` of a CRLF.
    const line = (s, e) => {
        let a = s;
        let b = e;
        if (b > a && buf[b - 1] === 0x0d)
            b--;
        while (a < b && isAsciiSpace(buf[a]))
            a++;
        while (b > a && isAsciiSpace(buf[b - 1]))
            b--;
        if (b - a === CRASH_ID_LENGTH && isCrashIdAt(buf, a)) {
            lineNo++;
            sink.id(buf, a);
            return;
        }
        if (a === b) {
            lineNo++;
            return;
        }
        // The slow path: decode, split on lone CRs (a CR just before the LF is part of the break).
        const pieces = buf.toString('utf8', s, e).split('\r');
        if (buf[e - 1] === 0x0d)
            pieces.pop();
        for (const raw of pieces) {
            lineNo++;
            const t = raw.trim();
            if (t !== '')
                sink.other(t, lineNo);
        }
    };
    try {
        for (;;) {
            if (end === buf.length) {
                // A line longer than the buffer: make room for the rest of it.
                const bigger = Buffer.allocUnsafe(buf.length * 2);
                buf.copy(bigger, 0, 0, end);
                buf = bigger;
            }
            const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
            const eof = bytesRead === 0;
            end += bytesRead;
            let s = 0;
            for (;;) {
                const nl = buf.indexOf(0x0a, s);
                if (nl < 0 || nl >= end)
                    break;
                line(s, nl);
                s = nl + 1;
            }
            if (eof) {
                if (s < end)
                    line(s, end);
                return;
            }
            // Keep the unfinished line; a CR at the very end may yet be the first half of a CRLF.
            buf.copy(buf, 0, s, end);
            end -= s;
        }
    }
    finally {
        await fh.close();
    }
}
/** Writes a whole file atomically (temp file, then rename): readers never see half of it. */
async function writeIdsAtomic(path, ids) {
    const tmp = `${path}.tmp-${process.pid}`;
    const fh = await (0,promises_.open)(tmp, 'w');
    try {
        let buf = [];
        for (const id of ids) {
            buf.push(id);
            if (buf.length >= 8192) {
                await fh.write(buf.join('\n') + '\n');
                buf = [];
            }
        }
        if (buf.length)
            await fh.write(buf.join('\n') + '\n');
    }
    finally {
        await fh.close();
    }
    await (0,promises_.rename)(tmp, path);
}

;// CONCATENATED MODULE: ./src/core/layouts.ts

const LAYOUTS = ['v1', 'v2'];
const HEX = '0123456789abcdef';
/** Every raw-crash prefix that holds crashes of `day`, in key order. */
function rawCrashPrefixes(layout, day) {
    if (layout === 'v1')
        return [`v1/raw_crash/${day}/`];
    const out = [];
    for (const a of HEX)
        for (const b of HEX)
            for (const c of HEX)
                out.push(`v2/raw_crash/${a}${b}${c}/${day}/`);
    return out;
}
/** Both layouts keep the processed crash at the same key. */
function processedCrashKey(crashId) {
    return `v1/processed_crash/${crashId}`;
}
/** The crash id a raw-crash key names, or undefined for anything else under the prefix. */
function crashIdFromKey(prefix, key) {
    const rest = key.slice(prefix.length);
    return isCrashId(rest) ? rest : undefined;
}

;// CONCATENATED MODULE: ./src/core/ledger.ts




/**
 * An append-once id file: haves.txt, havenots.txt, reprocessed.txt (the ledger), rejected.txt.
 * The one place those files are written. Each append is a single write of whole lines, and a
 * torn last line (a kill mid-write) is cut off when the file is opened, so a rerun sees only
 * complete ids and never writes one twice.
 */
class AppendOnceFile {
    path;
    ids;
    fh;
    /** Lines in the existing file that were not crash ids (kept, never rewritten). */
    foreignLines;
    constructor(path, ids, foreignLines) {
        this.path = path;
        this.ids = ids;
        this.foreignLines = foreignLines;
    }
    /**
     * Loads the file if it exists. Nothing is created until the first append (or `touch`), so a
     * run refused for bad input leaves no file behind.
     */
    static async open(path) {
        const ids = new IdSet();
        let foreign = 0;
        let exists = true;
        try {
            await repairTornTail(path);
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                throw err;
            exists = false;
        }
        if (exists) {
            ids.reserve(Math.ceil((await (0,promises_.stat)(path)).size / 37));
            await scanIdLines(path, {
                id: (buf, off) => void ids.addBytes(buf, off),
                other(line) {
                    if (isCrashId(line))
                        ids.add(line);
                    else
                        foreign++;
                },
            });
        }
        return new AppendOnceFile(path, ids, foreign);
    }
    /** Creates the file if it is missing (an empty havenots.txt says "none", a missing one says "not run"). */
    async touch() {
        this.fh ??= await (0,promises_.open)(this.path, 'a');
    }
    get size() {
        return this.ids.size;
    }
    has(id) {
        return this.ids.has(id);
    }
    /** Appends the ids not yet in the file, in one write; returns how many were new. */
    async append(ids, sync = false) {
        const fresh = [];
        for (const id of ids)
            if (this.ids.add(id))
                fresh.push(id);
        if (fresh.length === 0)
            return 0;
        this.fh ??= await (0,promises_.open)(this.path, 'a');
        await this.fh.write(fresh.join('\n') + '\n');
        if (sync)
            await this.fh.datasync();
        return fresh.length;
    }
    async close() {
        await this.fh?.close();
        this.fh = undefined;
    }
}
/** Cuts anything after the last newline: a torn line from a writer that was killed. */
async function repairTornTail(path) {
    const fh = await (0,promises_.open)(path, 'r+');
    try {
        const { size } = await fh.stat();
        if (size === 0)
            return;
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a)
            await fh.truncate(await lastNewlineBefore(fh, size));
    }
    finally {
        await fh.close();
    }
}
async function lastNewlineBefore(fh, size) {
    const step = 65536;
    for (let end = size; end > 0; end -= step) {
        const start = Math.max(0, end - step);
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0)
            return start + nl + 1;
    }
    return 0;
}
/**
 * Batches appends to several AppendOnceFiles: one write per file every `everyMs` or per
 * `maxPending` ids, never one per id, and never two at once. A failed write (disk full, EIO) is
 * not thrown from a timer, where it would crash the process: it is kept as `failure`, reported
 * once through `onFailure`, and no later write is tried, so what is on disk stays whole lines.
 */
class BatchedAppender {
    files;
    pending;
    pendingCount = 0;
    writing = Promise.resolve();
    timer;
    maxPending;
    onFailure;
    failed;
    closed = false;
    constructor(files, opts = {}) {
        this.files = files;
        this.pending = files.map(() => []);
        this.maxPending = opts.maxPending ?? 1000;
        this.onFailure = opts.onFailure;
        this.timer = setInterval(() => void this.flush(), opts.everyMs ?? 1000);
        this.timer.unref();
    }
    /** The first write that failed; nothing is written after it. */
    get failure() {
        return this.failed;
    }
    /** Queues `id` for file `file` (an index into the constructor's files). */
    add(file, id) {
        if (this.closed)
            throw new Error('BatchedAppender: add after close');
        this.pending[file].push(id);
        if (++this.pendingCount >= this.maxPending)
            void this.flush();
    }
    /** Writes what is queued; resolves when it is on disk (or failed: see `failure`). Never rejects. */
    flush() {
        const batches = this.pending;
        this.pending = this.files.map(() => []);
        this.pendingCount = 0;
        this.writing = this.writing.then(async () => {
            if (this.failed)
                return;
            try {
                for (const [i, ids] of batches.entries())
                    if (ids.length)
                        await this.files[i].append(ids);
            }
            catch (err) {
                this.failed = err instanceof Error ? err : new Error(String(err));
                this.onFailure?.(this.failed);
            }
        });
        return this.writing;
    }
    /** Stops the timer, writes the rest, and closes the files. Returns the failure, if any. */
    async close() {
        this.closed = true;
        clearInterval(this.timer);
        await this.flush();
        for (const f of this.files) {
            try {
                if (!this.failed)
                    await f.touch();
                await f.close();
            }
            catch (err) {
                this.failed ??= err instanceof Error ? err : new Error(String(err));
            }
        }
        return this.failed;
    }
}

;// CONCATENATED MODULE: ./src/core/pool.ts
/**
 * Runs `work` over `items` with at most `concurrency` at a time, pulling items one by one (a
 * month has millions of ids, none is queued ahead). The width can be changed while it runs,
 * which is how check slows down when S3 throttles: a narrower pool lets lanes finish, a wider
 * one starts more. Stops taking new items once `signal` aborts or a `work` throws (it then
 * waits for the items in flight and throws the first error).
 *
 * No queue library: each lane is one async loop, so an item costs one call of `work` and
 * nothing else (no task object, no promise per item beyond `work`'s own, no events).
 */
function forEachPooled(items, concurrency, work, opts = {}) {
    const it = items[Symbol.iterator]();
    let width = Math.max(1, Math.floor(concurrency));
    let active = 0;
    let exhausted = false;
    let failed = false;
    let failure;
    return new Promise((resolve, reject) => {
        const stopped = () => failed || exhausted || opts.signal?.aborted === true;
        const settle = () => {
            if (active > 0 || !stopped())
                return;
            if (failed)
                reject(failure);
            else
                resolve();
        };
        const fail = (err) => {
            if (!failed) {
                failed = true;
                failure = err;
            }
        };
        const lane = async () => {
            active++;
            try {
                // A lane leaves when the pool got narrower than the lanes running.
                while (!stopped() && active <= width) {
                    let next;
                    try {
                        next = it.next();
                    }
                    catch (err) {
                        fail(err);
                        break;
                    }
                    if (next.done) {
                        exhausted = true;
                        break;
                    }
                    try {
                        await work(next.value);
                    }
                    catch (err) {
                        fail(err);
                    }
                }
            }
            finally {
                active--;
                settle();
            }
        };
        const widen = () => {
            while (active < width && !stopped())
                void lane();
        };
        opts.onQueue?.({
            get concurrency() {
                return width;
            },
            set concurrency(n) {
                width = Math.max(1, Math.floor(n));
                widen();
            },
        });
        widen();
        settle();
    });
}
/**
 * Additive-increase / multiplicative-decrease on the pool's width: S3 answers SlowDown per
 * prefix, and every check job shares `v1/processed_crash/`, so backing off is the only way
 * to finish instead of burning retries.
 */
class Aimd {
    limit;
    lastCut = 0;
    max;
    min;
    apply;
    now;
    constructor(max, apply, opts = {}) {
        this.max = max;
        this.min = opts.min ?? 1;
        this.limit = max;
        this.apply = apply;
        this.now = opts.now ?? Date.now;
    }
    get current() {
        return Math.floor(this.limit);
    }
    success() {
        if (this.limit >= this.max)
            return;
        const before = Math.floor(this.limit);
        this.limit = Math.min(this.max, this.limit + 1 / Math.max(1, this.limit));
        if (Math.floor(this.limit) !== before)
            this.apply(Math.floor(this.limit));
    }
    /** One cut per 200 ms: a burst of in-flight SlowDowns is one signal, not fifty. */
    throttled() {
        const now = this.now();
        if (now - this.lastCut < 200)
            return;
        this.lastCut = now;
        this.limit = Math.max(this.min, this.limit * 0.6);
        this.apply(Math.floor(this.limit));
    }
}

;// CONCATENATED MODULE: ./src/core/retry.ts
/** HEADs: the pool retries an id quickly; throttling narrows the pool rather than lengthening the wait. */
const HEAD_RETRY = { attempts: 10, baseMs: 100, capMs: 10_000 };
/** Listing pages: a store that stays unhealthy for a minute or so is ridden out. */
const LIST_RETRY = { attempts: 8, baseMs: 500, capMs: 20_000 };
/** Socorro's API (Reprocessing and SuperSearch): slower, and it sends Retry-After with its 429s. */
const API_RETRY = { attempts: 9, baseMs: 1000, capMs: 60_000 };
/** The delay before retry number `attempt` (1 = the first retry). */
function backoffMs(policy, attempt, retryAfterMs, random = Math.random) {
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs))
        return Math.min(Math.max(retryAfterMs, 0), policy.capMs);
    const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(random() * ceiling);
}
/** Retry-After (seconds, or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
function parseRetryAfter(value, now) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined || v.trim() === '')
        return undefined;
    const secs = Number(v);
    if (Number.isFinite(secs))
        return Math.max(0, secs * 1000);
    const at = Date.parse(v);
    return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
/**
 * Runs `fn` until it succeeds, fails with something not retryable, or uses up the policy's
 * attempts (then the last failure is thrown). An abort stops the waiting and throws the last failure.
 */
async function withRetries(fn, opts) {
    for (let attempt = 1;; attempt++) {
        try {
            return await fn(attempt);
        }
        catch (err) {
            if (attempt >= opts.policy.attempts || !opts.retryable(err) || opts.signal?.aborted)
                throw err;
            const wait = backoffMs(opts.policy, attempt, undefined, opts.random);
            opts.onRetry?.(err, attempt, wait);
            await opts.clock.sleep(wait, opts.signal);
            if (opts.signal?.aborted)
                throw err;
        }
    }
}

;// CONCATENATED MODULE: ./src/ports/store.ts
/** A store request that failed, as one of the kinds core/classify.ts defines. */
class StoreError extends Error {
    name = 'StoreError';
    kind;
    /** The HTTP status; 0 when no answer came. */
    status;
    /** The store's error code when it named one (S3 `Code`, GCS `reason`). */
    code;
    constructor(kind, message, opts = {}) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        this.kind = kind;
        this.status = opts.status ?? 0;
        this.code = opts.code;
    }
}
/**
 * The sentence a StoreError opens with for a failure of `what` (e.g. "a HEAD of a processed
 * crash"), plus what the store's own port knows to say about it: which permissions, which
 * credentials. Stores build their messages with it so that S3 and GCS read alike.
 */
function storeMessage(store, kind, what, status, detail) {
    const answer = status === 0 ? 'no answer' : `HTTP ${status}`;
    const head = {
        'no-such-bucket': `${store}: no such bucket (${answer} to ${what})`,
        forbidden: `${store} answered 403 Forbidden to ${what}`,
        unauthenticated: `${store} refused the credentials as invalid or expired (${answer} to ${what})`,
        'no-credentials': `${store}: no credentials could be found for ${what}`,
        'clock-skew': `${store} refused ${what}: this machine's clock is too far from the store's (clock skew)`,
        signature: `${store} refused the signature of ${what} (${answer})`,
        throttled: `${store} is throttling requests (${answer} to ${what})`,
        unavailable: `${store} did not answer ${what} usably (${answer})`,
        rejected: `${store} refused ${what} (${answer})`,
    };
    return detail ? `${head[kind]}: ${detail}` : head[kind];
}

;// CONCATENATED MODULE: ./src/modes/check.ts











const DEFAULT_CHECK_CONCURRENCY = 128;
/** Counters and the stop switch of one check run, shared by its lanes. */
class CheckRun {
    res;
    stop = new AbortController();
    consecutiveFailures = 0;
    lastError = '';
    constructor(res) {
        this.res = res;
    }
    /** Stops the run for `why`; the first reason wins. */
    fail(why) {
        this.res.failure ??= why;
        this.stop.abort();
    }
}
/**
 * HEADs one processed crash until the store gives a verdict: found, missing, or a failure that
 * stops the run. Transient failures are retried with the one backoff policy; throttling also
 * narrows the pool (AIMD), because stores throttle per prefix and every check job shares one.
 */
class HeadRetrier {
    store;
    run;
    aimd;
    policy;
    clock;
    random;
    constructor(store, run, aimd, policy, clock, random) {
        this.store = store;
        this.run = run;
        this.aimd = aimd;
        this.policy = policy;
        this.clock = clock;
        this.random = random;
    }
    /** The verdict, or undefined when the id got none (attempts used up, or the run stopped). */
    async check(id) {
        const key = processedCrashKey(id);
        const { res, stop } = this.run;
        for (let attempt = 1; attempt <= this.policy.attempts && !stop.signal.aborted; attempt++) {
            const answer = await this.store.head(key);
            res.requests++;
            if (!(answer instanceof StoreError)) {
                this.aimd.success();
                return answer;
            }
            this.run.lastError = answer.status === 0 ? 'no answer (connection reset or timeout)' : `HTTP ${answer.status}`;
            if (isFatal(answer.kind)) {
                this.run.fail(answer.message);
                return undefined;
            }
            if (!isTransient(answer.kind))
                return undefined;
            if (answer.kind === 'throttled') {
                res.throttled++;
                this.aimd.throttled();
            }
            if (attempt < this.policy.attempts) {
                res.retries++;
                await this.clock.sleep(backoffMs(this.policy, attempt, undefined, this.random), stop.signal);
            }
        }
        return undefined;
    }
}
/**
 * HEADs `v1/processed_crash/{id}` for every id of the input files not already in haves.txt or
 * havenots.txt, and appends each to one of them. Only a missing object is a havenot.
 */
async function runCheck(opts, deps) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    // Every input is read and validated before any output file is touched.
    const input = await readIdFiles(opts.files, { skipInvalid: opts.skipInvalid, skipInvalidOption: opts.skipInvalidOption });
    const haves = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'haves.txt'));
    const havenots = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'havenots.txt'));
    const todo = new IdSet(input.ids.size);
    for (let i = 0; i < input.ids.size; i++) {
        if (!haves.ids.hasFrom(input.ids, i) && !havenots.ids.hasFrom(input.ids, i))
            todo.addFrom(input.ids, i);
    }
    const concurrency = opts.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
    const run = new CheckRun({
        input: input.ids.size,
        skipped: input.ids.size - todo.size,
        haves: 0,
        havenots: 0,
        errors: 0,
        invalidLines: input.invalid,
        requests: 0,
        retries: 0,
        throttled: 0,
        finalConcurrency: concurrency,
        elapsedMs: 0,
    });
    const res = run.res;
    if (input.invalid)
        reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
    if (res.skipped)
        reporter.info(`${res.skipped} id(s) already classified by an earlier run: skipped`);
    // Only when there is something to check: a rerun with nothing left sends no request at all.
    if (todo.size > 0)
        await checkBucket(store, clock);
    const giveUpAfter = opts.giveUpAfter ?? Math.max(50, concurrency * 2);
    let setWidth = (_n) => { };
    const aimd = new Aimd(concurrency, (n) => setWidth(n), { now: () => clock.now() });
    const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
    const HAVES = 0;
    const HAVENOTS = 1;
    const writer = new BatchedAppender([haves, havenots], {
        onFailure: (err) => run.fail(`could not write the results (${oneLine(err)}); what was written before is kept. Rerun to finish: ids already classified are skipped`),
    });
    let done = 0;
    const task = reporter.start('check', todo.size);
    // Progress is drawn at most ten times a second, not once per id.
    let shownAt = 0;
    const show = () => task.update(done, { haves: res.haves, havenots: res.havenots, errors: res.errors, width: aimd.current });
    const progress = () => {
        done++;
        const now = performance.now();
        if (now - shownAt < 100)
            return;
        shownAt = now;
        show();
    };
    const checkOne = async (id) => {
        const verdict = await heads.check(id);
        if (run.stop.signal.aborted)
            return;
        if (verdict === 'found') {
            res.haves++;
            writer.add(HAVES, id);
        }
        else if (verdict === 'missing') {
            res.havenots++;
            writer.add(HAVENOTS, id);
        }
        else {
            res.errors++;
            if (++run.consecutiveFailures >= giveUpAfter) {
                run.fail(`${store.kind.toUpperCase()} keeps failing (${run.consecutiveFailures} ids in a row got no usable answer; last: ${run.lastError}); stopped. ` +
                    'Rerun to finish: ids already classified are skipped');
            }
            return progress();
        }
        run.consecutiveFailures = 0;
        progress();
    };
    try {
        await forEachPooled(todo, concurrency, checkOne, {
            signal: run.stop.signal,
            onQueue: (q) => (setWidth = (n) => (q.concurrency = Math.max(1, n))),
        });
    }
    finally {
        const writeFailure = await writer.close();
        if (writeFailure)
            run.fail(`could not write the results (${oneLine(writeFailure)}); what was written before is kept. Rerun to finish: ids already classified are skipped`);
        show();
        task.stop();
    }
    if (!res.failure && res.errors > 0) {
        res.failure = `${res.errors} id(s) could not be checked (last: ${run.lastError}); they were written nowhere. Rerun to finish: ids already classified are skipped`;
    }
    res.finalConcurrency = aimd.current;
    res.elapsedMs = clock.now() - t0;
    return res;
}
/**
 * A HEAD in a bucket that does not exist is a bodyless 404, the same answer as a crash that was
 * never processed: without this look first, a mistyped bucket would make every id a havenot.
 * One small listing (what the least privilege allows: S3 ListBucket, GCS storage.objects.list)
 * also catches missing permissions and credentials before any HEAD.
 */
async function checkBucket(store, clock) {
    try {
        await withRetries(() => store.listPage({ prefix: 'v1/processed_crash/', maxKeys: 1 }), {
            policy: LIST_RETRY,
            clock,
            retryable: (err) => err instanceof StoreError && isTransient(err.kind),
        });
    }
    catch (err) {
        if (err instanceof StoreError)
            throw new RunError(`${err.message}; nothing was checked`);
        throw err;
    }
}

;// CONCATENATED MODULE: ./src/core/dates.ts

/** The longest span one run may list; longer is almost certainly a typo. */
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
function parseDay(s, flag) {
    if (!/^\d{8}$/.test(s))
        throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
    const y = Number(s.slice(0, 4));
    const m = Number(s.slice(4, 6));
    const d = Number(s.slice(6, 8));
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    if (y < 2000 || back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
        throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
    }
    return t;
}
function formatDay(t) {
    return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
}
/**
 * `20160915`, `20160915,20160916`, `20160915 20160916` or `20160901..20160930` (inclusive),
 * mixed freely. Returns sorted unique YYYYMMDD strings.
 */
function parseDates(spec, flag) {
    const parts = (spec ?? '').split(/[\s,]+/).filter(Boolean);
    if (parts.length === 0)
        throw new UsageError(`${flag}: no dates given (YYYYMMDD, comma separated, or YYYYMMDD..YYYYMMDD)`);
    const days = new Set();
    for (const part of parts) {
        const range = part.split('..');
        if (range.length === 1) {
            days.add(parseDay(part, flag));
        }
        else if (range.length === 2) {
            const from = parseDay(range[0], flag);
            const to = parseDay(range[1], flag);
            if (to < from)
                throw new UsageError(`${flag}: ${part} ends before it starts`);
            if ((to - from) / DAY_MS + 1 > MAX_DAYS)
                throw new UsageError(`${flag}: ${part} spans more than ${MAX_DAYS} days`);
            for (let t = from; t <= to; t += DAY_MS)
                days.add(t);
        }
        else {
            throw new UsageError(`${flag}: ${part} is not a date or a range (YYYYMMDD..YYYYMMDD)`);
        }
    }
    const sorted = [...days].sort((a, b) => a - b);
    if ((sorted[sorted.length - 1] - sorted[0]) / DAY_MS + 1 > MAX_DAYS) {
        throw new UsageError(`${flag}: the dates span more than ${MAX_DAYS} days`);
    }
    return sorted.map(formatDay);
}
/** `HH:MM` (UTC) → minutes after midnight; `24:00` is allowed as the end of the day. */
function parseTimeOfDay(s, flag) {
    if (s === undefined || s === '')
        return undefined;
    const m = /^(\d{2}):(\d{2})$/.exec(s);
    if (!m || Number(m[2]) > 59 || Number(m[1]) > 24 || (Number(m[1]) === 24 && Number(m[2]) !== 0)) {
        throw new UsageError(`${flag}: ${s} is not a time of day (HH:MM, UTC)`);
    }
    return Number(m[1]) * 60 + Number(m[2]);
}
/** Epoch ms of `minutes` after midnight UTC on YYYYMMDD. */
function dayTime(day, minutes) {
    return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + minutes * 60_000;
}

;// CONCATENATED MODULE: ./src/modes/list.ts













const list_HEX = '0123456789abcdef';
/**
 * v1 puts a whole day under one prefix, so one paging walk would be sequential. Keys under it
 * start with a hex digit, so 16 slices bounded on hex boundaries list in parallel and still cover
 * every key exactly once (junk keys included).
 */
function slicesFor(layout, date) {
    const prefixes = rawCrashPrefixes(layout, date);
    if (layout === 'v2')
        return prefixes.map((prefix) => ({ date, prefix }));
    const prefix = prefixes[0];
    return [...list_HEX].map((c, i) => ({
        date,
        prefix,
        from: i === 0 ? undefined : prefix + c,
        to: i === 15 ? undefined : prefix + list_HEX[i + 1],
    }));
}
/** Every raw crash saved on the dates, sorted and unique, into uuids.txt and chunk files. */
async function runList(opts, deps) {
    const { store, reporter } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    const slices = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
    const counts = new Map(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
    // Packed, 16 bytes an id: a month is ~11 M of them.
    const ids = new PackedIdList();
    let requests = 0;
    let retries = 0;
    let done = 0;
    const task = reporter.start(`list ${opts.dates.length} date(s), ${opts.layout}`, slices.length);
    const listSlice = async (slice) => {
        const c = counts.get(slice.date);
        const from = opts.since === undefined ? -Infinity : dayTime(slice.date, opts.since);
        // until 13:45 means through 13:45:59.999; 24:00 is the end of the day.
        const to = opts.until === undefined ? Infinity : dayTime(slice.date, opts.until) + (opts.until >= 1440 ? -1 : 59_999);
        let token;
        do {
            const page = await withRetries(() => {
                requests++;
                return store.listPage({ prefix: slice.prefix, from: slice.from, to: slice.to, token });
            }, {
                policy: opts.policy ?? LIST_RETRY,
                clock,
                retryable: (err) => err instanceof StoreError && isTransient(err.kind),
                onRetry: () => retries++,
            });
            token = page.next;
            for (const o of page.objects) {
                const id = crashIdFromKey(slice.prefix, o.key);
                if (!id) {
                    c.junk++;
                    continue;
                }
                if (o.savedAt !== undefined && (o.savedAt < from || o.savedAt > to)) {
                    c.outsideWindow++;
                    continue;
                }
                c.listed++;
                ids.push(id);
            }
        } while (token);
        task.update(++done, { ids: ids.size });
    };
    try {
        await forEachPooled(slices, opts.concurrency ?? (opts.layout === 'v2' ? 64 : 16), listSlice);
    }
    catch (err) {
        // A listing that fails after its retries (or at once: no bucket, no permission) lists nothing.
        if (err instanceof StoreError)
            throw new RunError(`${err.message}; nothing was written`);
        throw err;
    }
    finally {
        task.stop();
    }
    ids.sortUnique();
    const plan = planChunks(ids.size, opts.chunkSize, opts.maxChunks);
    if (plan.requested !== undefined) {
        reporter.warn(`chunk size raised from ${plan.requested} to ${plan.chunkSize} so that ${ids.size} ids make at most ${plan.maxChunks} chunks`);
    }
    await writeOutputs(opts.out, ids, plan);
    const dates = [...counts.values()];
    return {
        total: ids.size,
        junk: dates.reduce((s, d) => s + d.junk, 0),
        outsideWindow: dates.reduce((s, d) => s + d.outsideWindow, 0),
        dates,
        plan,
        uuidsFile: (0,external_node_path_.join)(opts.out, 'uuids.txt'),
        requests,
        retries,
        elapsedMs: clock.now() - t0,
    };
}
async function writeOutputs(out, ids, plan) {
    const dir = (0,external_node_path_.join)(out, 'chunks');
    await (0,promises_.mkdir)(dir, { recursive: true });
    // Chunks of an earlier run would be mistaken for this one's.
    for (const f of await (0,promises_.readdir)(dir))
        if (/^uuids-\d+-\d+\.txt$/.test(f))
            await (0,promises_.rm)((0,external_node_path_.join)(dir, f));
    for (const c of plan.chunks)
        await writeIdsAtomic((0,external_node_path_.join)(out, c.file), ids.range(c.start, c.end));
    await writeIdsAtomic((0,external_node_path_.join)(out, 'uuids.txt'), ids);
}

;// CONCATENATED MODULE: ./src/core/options.ts

/** The label of an option in a message: the adapter's spelling, else the option's name. */
function label(spell, name) {
    return spell(name) ?? name;
}
function options_text(v) {
    return typeof v === 'string' ? v.trim() : v === undefined ? '' : String(v);
}
function isGiven(v) {
    return options_text(v) !== '';
}
/** A whole number in [min, max]; `dflt` when not given. */
function parseInteger(spell, name, v, dflt, min, max) {
    const s = options_text(v);
    if (s === '')
        return dflt;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`${label(spell, name)}: ${s} is not a whole number from ${min} to ${max}`);
    }
    return n;
}
/** A number of seconds in [0, max]; `dflt` when not given. */
function parseSeconds(spell, name, v, dflt, max = 3600) {
    const s = options_text(v);
    if (s === '')
        return dflt;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0 || n > max)
        throw new UsageError(`${label(spell, name)}: ${s} is not a number of seconds from 0 to ${max}`);
    return n;
}
function parseBoolean(spell, name, v, dflt = false) {
    if (typeof v === 'boolean')
        return v;
    const s = options_text(v).toLowerCase();
    if (s === '')
        return dflt;
    if (s === 'false' || s === '0' || s === 'no')
        return false;
    if (s === 'true' || s === '1' || s === 'yes')
        return true;
    throw new UsageError(`${label(spell, name)}: ${options_text(v)} is not true or false`);
}
/** One of `choices`; `dflt` when not given. */
function parseChoice(spell, name, v, choices, dflt, what) {
    const s = options_text(v);
    if (s === '')
        return dflt;
    if (!choices.includes(s)) {
        throw new UsageError(`${label(spell, name)}: ${s} is not ${what} (${choices.join(' or ')})`);
    }
    return s;
}
function parseUrl(spell, name, v) {
    let u;
    try {
        u = new URL(v);
    }
    catch {
        throw new UsageError(`${label(spell, name)}: ${v} is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
        throw new UsageError(`${label(spell, name)}: ${v} is not an http(s) URL`);
    return u;
}
function isLoopbackHost(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
/** SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN (the name crashstats-tools uses). */
function tokenFromEnv(env) {
    const t = env.SOCORRO_API_TOKEN?.trim() || env.CRASHSTATS_API_TOKEN?.trim();
    return t || undefined;
}

;// CONCATENATED MODULE: ./src/core/pacer.ts
/**
 * Starts one piece of work every `intervalMs` on a fixed grid: the submission pace Socorro's
 * on-call asks for. Time lost to a slow piece (retries, a Retry-After wait) is not made up
 * with a burst afterwards: the grid moves on from where the slow piece ended.
 */
class Pacer {
    intervalMs;
    clock;
    nextAt;
    startedAt = 0;
    constructor(intervalMs, clock) {
        this.intervalMs = intervalMs;
        this.clock = clock;
        this.nextAt = clock.now();
    }
    /** Waits for the next slot (cut short by `signal`). */
    async ready(signal) {
        const wait = this.nextAt - this.clock.now();
        if (wait > 0)
            await this.clock.sleep(wait, signal);
        this.startedAt = this.clock.now();
        // Late by more than half a slot: the grid restarts here rather than catching up.
        this.nextAt = (this.startedAt - this.nextAt > this.intervalMs / 2 ? this.startedAt : this.nextAt) + this.intervalMs;
    }
    /** The piece that `ready` let start has ended: one that took longer than a slot pushes the grid back. */
    finished() {
        const ended = this.clock.now();
        if (ended - this.startedAt > this.intervalMs)
            this.nextAt = Math.max(this.nextAt, ended + this.intervalMs);
    }
}

;// CONCATENATED MODULE: ./src/modes/submitter.ts

/** Why a submission stopped; the run keeps what the ledger holds. */
class SubmitStopped extends Error {
    name = 'SubmitStopped';
}
/**
 * Sends batches to the Reprocessing API and records what became of each id: accepted ids into
 * the ledger (synced before anything else is sent: it is what keeps reruns from resubmitting),
 * ids refused as invalid into rejected.txt, never retried.
 *
 * Socorro refuses a whole batch with 400 for one invalid id. When its answer names the id, that
 * id is rejected and the rest resent; otherwise the batch is halved until single ids are left.
 * A single id refused without being named is only a suspect: if other ids are being accepted,
 * the 400 was about it; if nothing was ever accepted, the API refuses everything (a proxy, a
 * changed API, a bad ruleset) and the run stops rather than bury every id in rejected.txt.
 */
class Submitter {
    counts = { submitted: 0, rejected: 0, requests: 0, settled: 0 };
    api;
    ledger;
    rejected;
    log;
    /** What to check when the API refuses everything: names of the adapter's options. */
    checkHint;
    suspects = [];
    constructor(api, ledger, rejected, log, checkHint) {
        this.api = api;
        this.ledger = ledger;
        this.rejected = rejected;
        this.log = log;
        this.checkHint = checkHint;
    }
    /** Sends one batch and settles it; throws SubmitStopped when the run must stop. */
    async send(ids) {
        await this.submit(ids);
        await this.settleSuspects();
    }
    async submit(ids) {
        const answer = await this.api.submit(ids);
        this.counts.requests++;
        const verdict = classifySubmit(answer.status);
        if (verdict === 'accepted') {
            this.counts.submitted += await this.ledger.append(ids, true);
            this.counts.settled += ids.length;
            return;
        }
        if (verdict === 'invalid')
            return this.isolate(ids, answer);
        if (verdict === 'forbidden') {
            throw new SubmitStopped(`the Reprocessing API refused the token (HTTP ${answer.status}): it needs the 'Reprocess Crashes' permission ` +
                `(crash-stats API tokens page). API said: ${answer.body.trim() || '(no body)'}. Nothing more was sent`);
        }
        const what = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status} ${answer.body.trim().slice(0, 200)}`;
        throw new SubmitStopped(`the Reprocessing API failed after retries: ${what}. ${this.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`);
    }
    async isolate(ids, answer) {
        const named = /Crash id '([^']+)'/.exec(answer.body)?.[1];
        const bad = named === undefined ? -1 : ids.findIndex((id) => id === named || id.startsWith(named + ':'));
        if (bad >= 0) {
            await this.reject(ids[bad], answer.body);
            const rest = ids.filter((_, i) => i !== bad);
            if (rest.length)
                await this.submit(rest);
            return;
        }
        if (ids.length === 1) {
            this.suspects.push({ id: ids[0], body: answer.body });
            return;
        }
        const half = Math.ceil(ids.length / 2);
        await this.submit(ids.slice(0, half));
        await this.submit(ids.slice(half));
    }
    async settleSuspects() {
        if (this.suspects.length === 0)
            return;
        if (this.counts.submitted === 0) {
            throw new SubmitStopped('the Reprocessing API answered 400 to every request, even to single ids, without naming an invalid crash id ' +
                `(API said: ${this.suspects[0].body.trim().slice(0, 200) || '(no body)'}); stopped, nothing was rejected. Check ${this.checkHint}`);
        }
        for (const s of this.suspects.splice(0))
            await this.reject(s.id, s.body);
    }
    async reject(id, body) {
        this.counts.rejected += await this.rejected.append([id], true);
        this.counts.settled++;
        this.log.warn(`rejected by the API (400): ${id}: ${body}`);
    }
}

;// CONCATENATED MODULE: ./src/modes/reprocess.ts









const DEFAULT_BATCH_SIZE = 50;
const MAX_BATCH_SIZE = 1000;
const DEFAULT_MAX = 10_000;
const DEFAULT_SLEEP_SECONDS = 1;
/**
 * Sends the input's ids, less the ledger and rejected.txt, to the Reprocessing API in paced
 * batches. Refuses (exit 2, nothing sent) when there are more than `max` of them, so a wrong
 * file cannot flood the processing queue.
 */
async function runReprocess(opts, deps) {
    const { reporter, spell } = deps;
    const clock = deps.clock ?? systemClock;
    const t0 = clock.now();
    const usingDefault = opts.files.length === 0;
    const files = usingDefault ? [(0,external_node_path_.join)(opts.out, 'havenots.txt')] : opts.files;
    const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault, skipInvalidOption: spell('skipInvalid') });
    const ledger = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'reprocessed.txt'));
    const rejected = await AppendOnceFile.open((0,external_node_path_.join)(opts.out, 'rejected.txt'));
    const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    const max = opts.max ?? DEFAULT_MAX;
    const res = {
        input: input.ids.size,
        alreadySubmitted: 0,
        alreadyRejected: 0,
        toSend: 0,
        submitted: 0,
        rejected: 0,
        batches: 0,
        requests: 0,
        retries: 0,
        dryRun: !!opts.dryRun,
        elapsedMs: 0,
        ledgerFile: ledger.path,
    };
    // One byte an input id (1: to send) instead of a second set of ids: 1 MB for a million, not 24.
    const send = new Uint8Array(input.ids.size);
    for (let i = 0; i < input.ids.size; i++) {
        if (ledger.ids.hasFrom(input.ids, i) || opts.alsoSubmitted?.hasFrom(input.ids, i))
            res.alreadySubmitted++;
        else if (rejected.ids.hasFrom(input.ids, i))
            res.alreadyRejected++;
        else {
            send[i] = 1;
            res.toSend++;
        }
    }
    if (input.invalid)
        reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
    if (res.alreadySubmitted)
        reporter.info(`${res.alreadySubmitted} id(s) already in the ledger: not sent again`);
    if (res.alreadyRejected)
        reporter.info(`${res.alreadyRejected} id(s) already in rejected.txt: not sent again`);
    if (res.toSend > max && !opts.allowMany) {
        throw new UsageError(`${res.toSend} crash ids to submit is more than ${label(spell, 'max')} ${max}; nothing was sent. ` +
            `Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then use ${label(spell, 'allowMany')}`);
    }
    const batchCount = Math.ceil(res.toSend / batchSize);
    const paceMs = (opts.sleepSeconds ?? DEFAULT_SLEEP_SECONDS) * 1000;
    if (opts.dryRun || res.toSend === 0) {
        if (opts.dryRun) {
            res.batches = batchCount;
            reporter.info(`dry run: would submit ${res.toSend} id(s) in ${batchCount} batch(es) of up to ${batchSize}, one every ${paceMs / 1000}s; nothing sent`);
        }
        res.elapsedMs = clock.now() - t0;
        return res;
    }
    // The ledger must be writable before anything is sent: an accepted batch missing from it would be sent again.
    await (0,promises_.mkdir)(opts.out, { recursive: true });
    await ledger.touch();
    const client = deps.api((why, attempt, waitMs) => {
        res.retries++;
        reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);
    });
    const submitter = new Submitter(client, ledger, rejected, reporter, `${label(spell, 'apiUrl')} and ${label(spell, 'ruleset')}`);
    const pacer = new Pacer(paceMs, clock);
    const task = reporter.start('reprocess', res.toSend);
    const interrupted = () => new SubmitStopped(`interrupted: ${submitter.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`);
    const sendBatch = async (batch) => {
        if (opts.signal?.aborted)
            throw interrupted();
        await pacer.ready(opts.signal);
        if (opts.signal?.aborted)
            throw interrupted();
        res.batches++;
        try {
            await submitter.send(batch);
        }
        finally {
            pacer.finished();
            task.update(submitter.counts.settled, { submitted: submitter.counts.submitted, rejected: submitter.counts.rejected });
        }
    };
    try {
        let batch = [];
        for (let i = 0; i < send.length; i++) {
            if (send[i] === 0)
                continue;
            batch.push(input.ids.at(i));
            if (batch.length === batchSize) {
                await sendBatch(batch);
                batch = [];
            }
        }
        if (batch.length)
            await sendBatch(batch);
    }
    catch (err) {
        if (!(err instanceof SubmitStopped))
            throw err;
        res.failure = err.message;
    }
    finally {
        task.stop();
        await ledger.close();
        await rejected.close();
        await client.close();
        res.submitted = submitter.counts.submitted;
        res.rejected = submitter.counts.rejected;
        res.requests = submitter.counts.requests;
    }
    res.elapsedMs = clock.now() - t0;
    return res;
}

;// CONCATENATED MODULE: ./src/modes/options.ts







/**
 * The one option layer: what an adapter read (by option name, as typed) becomes the options of a
 * mode and the configuration of its ports, parsed and cross-checked here once, so the CLI and the
 * action refuse the same input the same way. Messages name options through the adapter's Spelling.
 */
const DEFAULT_API_URL = 'https://crash-stats.mozilla.org';
const DEFAULT_REGION = 'us-west-2';
const RULESETS = ['default', 'regenerate_signature'];
function str(v) {
    return typeof v === 'string' ? v.trim() : '';
}
const BUCKET_NAME = /^[a-z0-9][a-z0-9.\-_]{1,254}$/i;
function parseStore(raw, { spell, env }) {
    const given = str(raw.bucket);
    if (!given)
        throw new UsageError(`${label(spell, 'bucket')}: the bucket is required`);
    const bucket = given;
    if (!BUCKET_NAME.test(bucket))
        throw new UsageError(`${label(spell, 'bucket')}: ${given} is not a bucket name`);
    const kind = 's3';
    const endpointText = str(raw.endpoint) || env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || '';
    let endpoint;
    if (endpointText)
        endpoint = parseUrl(spell, 'endpoint', endpointText).toString().replace(/\/$/, '');
    return {
        kind,
        bucket,
        endpoint,
        region: str(raw.region) || env.AWS_REGION?.trim() || DEFAULT_REGION,
        pathStyle: parseBoolean(spell, 'pathStyle', raw.pathStyle),
    };
}
/** since/until (HH:MM UTC) of each date, cross-checked. */
function parseWindow(raw, spell) {
    const since = parseTimeOfDay(str(raw.since), label(spell, 'since'));
    const until = parseTimeOfDay(str(raw.until), label(spell, 'until'));
    if (since !== undefined && until !== undefined && since > until) {
        throw new UsageError(`${label(spell, 'since')} ${str(raw.since)} is after ${label(spell, 'until')} ${str(raw.until)}`);
    }
    return { since, until };
}
function parseListOptions(raw, out, ctx) {
    const { spell } = ctx;
    const dates = parseDates(str(raw.dates), label(spell, 'dates'));
    const layout = parseChoice(spell, 'layout', raw.layout, LAYOUTS, 'v1', 'a layout');
    const chunkSize = parseInteger(spell, 'chunkSize', raw.chunkSize, DEFAULT_CHUNK_SIZE, 1, 100_000_000);
    // 0: no limit. A limit comes from where the chunks go (a matrix has at most 256 jobs).
    const maxChunks = parseInteger(spell, 'maxChunks', raw.maxChunks, 0, 0, 100_000_000) || undefined;
    const store = parseStore(raw, ctx);
    return { store, list: { dates, layout, chunkSize, maxChunks, ...parseWindow(raw, spell), out } };
}
function parseCheckOptions(raw, files, out, ctx) {
    const { spell } = ctx;
    const concurrency = parseInteger(spell, 'concurrency', raw.concurrency, DEFAULT_CHECK_CONCURRENCY, 1, 1024);
    const store = parseStore(raw, ctx);
    return {
        store,
        check: { files, out, concurrency, skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid), skipInvalidOption: spell('skipInvalid') },
    };
}
/**
 * The API's base URL. The token goes only over https, or to this machine (tests, the demo, a
 * tunnel); a path prefix is kept: the API is at {api-url}/api/Reprocessing/.
 */
function parseApiUrl(raw, sendsToken, spell) {
    const text = str(raw.apiUrl) || DEFAULT_API_URL;
    const u = parseUrl(spell, 'apiUrl', text);
    if (sendsToken && u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
        throw new UsageError(`${label(spell, 'apiUrl')}: ${text} is not https; the API token is only sent over https or to loopback`);
    }
    return u.origin + u.pathname.replace(/\/+$/, '');
}
function parseReprocessOptions(raw, files, out, ctx) {
    const { spell, env } = ctx;
    const dryRun = parseBoolean(spell, 'dryRun', raw.dryRun);
    const token = str(raw.apiToken) || tokenFromEnv(env);
    if (!token && !dryRun) {
        const given = spell('apiToken');
        throw new UsageError(`no API token: ${given ? `give ${given}, or ` : ''}set SOCORRO_API_TOKEN (or CRASHSTATS_API_TOKEN) to a token with the 'Reprocess Crashes' permission`);
    }
    const apiUrl = parseApiUrl(raw, !dryRun, spell);
    const reprocess = {
        files,
        out,
        batchSize: parseInteger(spell, 'batchSize', raw.batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
        sleepSeconds: parseSeconds(spell, 'sleep', raw.sleep, DEFAULT_SLEEP_SECONDS),
        max: parseInteger(spell, 'max', raw.max, DEFAULT_MAX, 0, 1_000_000_000),
        allowMany: parseBoolean(spell, 'allowMany', raw.allowMany),
        dryRun,
        skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid),
    };
    const ruleset = parseChoice(spell, 'ruleset', raw.ruleset, RULESETS, undefined, 'a ruleset');
    return { api: { apiUrl, token, ruleset }, reprocess };
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __nccwpck_require__(4708);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
;// CONCATENATED MODULE: ./src/ports/sigv4.ts

/**
 * AWS Signature Version 4 for header-signed requests without a body (what check's HEADs are),
 * written from the published algorithm. The SDK signs the same way; it is only used here
 * because a check sends millions of identical-shape requests and the SDK's per-request
 * machinery cost several times more CPU than the request itself (bench/README.md).
 */
const EMPTY_SHA256 = (0,external_node_crypto_.hash)('sha256', '', 'hex');
/** `YYYYMMDDTHHMMSSZ` for a time in ms. */
function amzDate(ms) {
    return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
class SigV4Signer {
    region;
    service;
    keyFor = { secret: '', day: '', key: undefined };
    dateSecond = -1;
    dateText = '';
    constructor(region, service = 's3') {
        this.region = region;
        this.service = service;
    }
    /** The amz date for now, computed once per second. */
    now(ms = Date.now()) {
        const s = Math.floor(ms / 1000);
        if (s !== this.dateSecond) {
            this.dateSecond = s;
            this.dateText = amzDate(s * 1000);
        }
        return this.dateText;
    }
    /** The day's signing key, derived once per day and secret, kept as a KeyObject (no per-use key import). */
    signingKey(secret, day) {
        const c = this.keyFor;
        if (c.key === undefined || c.secret !== secret || c.day !== day) {
            const kDate = (0,external_node_crypto_.createHmac)('sha256', 'AWS4' + secret).update(day).digest();
            const kRegion = (0,external_node_crypto_.createHmac)('sha256', kDate).update(this.region).digest();
            const kService = (0,external_node_crypto_.createHmac)('sha256', kRegion).update(this.service).digest();
            const key = (0,external_node_crypto_.createSecretKey)((0,external_node_crypto_.createHmac)('sha256', kService).update('aws4_request').digest());
            this.keyFor = { secret, day, key };
            return key;
        }
        return c.key;
    }
    /**
     * The Authorization header value. `headers` are the signed headers: lowercase names, sorted,
     * values already trimmed; they must include host and x-amz-date. `path` is the URI-encoded
     * path as sent (S3 does not double-encode); `query` the canonical query string ('' for none).
     */
    authorization(creds, method, path, query, headers, payloadHash, date) {
        let canonicalHeaders = '';
        let signed = '';
        for (const [k, v] of headers) {
            canonicalHeaders += k + ':' + v + '\n';
            signed += (signed ? ';' : '') + k;
        }
        return this.finish(creds, method + '\n' + path + '\n' + query + '\n' + canonicalHeaders + '\n' + signed + '\n' + payloadHash, signed, date);
    }
    /**
     * authorization() for a HEAD without a query, signing host, x-amz-content-sha256 (of the empty
     * body), x-amz-date and, with temporary credentials, x-amz-security-token: the same result,
     * with no arrays built per request.
     */
    headAuthorization(creds, host, path, date) {
        const token = creds.sessionToken;
        const signed = token ? HEAD_SIGNED_WITH_TOKEN : HEAD_SIGNED;
        const canonical = 'HEAD\n' + path + '\n\nhost:' + host + '\nx-amz-content-sha256:' + EMPTY_SHA256 + '\nx-amz-date:' + date + '\n' +
            (token ? 'x-amz-security-token:' + token + '\n' : '') + '\n' + signed + '\n' + EMPTY_SHA256;
        return this.finish(creds, canonical, signed, date);
    }
    finish(creds, canonical, signed, date) {
        const day = date.slice(0, 8);
        const scope = day + '/' + this.region + '/' + this.service + '/aws4_request';
        const toSign = 'AWS4-HMAC-SHA256\n' + date + '\n' + scope + '\n' + (0,external_node_crypto_.hash)('sha256', canonical, 'hex');
        const signature = (0,external_node_crypto_.createHmac)('sha256', this.signingKey(creds.secretAccessKey, day)).update(toSign).digest('hex');
        return 'AWS4-HMAC-SHA256 Credential=' + creds.accessKeyId + '/' + scope + ', SignedHeaders=' + signed + ', Signature=' + signature;
    }
}
const HEAD_SIGNED = 'host;x-amz-content-sha256;x-amz-date';
const HEAD_SIGNED_WITH_TOKEN = HEAD_SIGNED + ';x-amz-security-token';

;// CONCATENATED MODULE: ./src/ports/s3-store.ts






const PROBE_KEY = 'v1/processed_crash/probe';
/** Keys that need no URI encoding: check's are `v1/processed_crash/{crash id}`. */
const PLAIN_KEY = /^[A-Za-z0-9._~/-]+$/;
const USER_AGENT = 'socorro-reprocess';
const CREDENTIALS_RECHECK_MS = 5000;
/** The SDK's own threshold for correcting its clock from a response's Date. */
const SKEW_MS = 240_000;
class Probed extends Error {
}
/** What an SDK error says: its status (0 for none) and its code (the SDK names errors after S3's codes). */
function answerOf(err) {
    const e = err;
    const status = e.$metadata?.httpStatusCode ?? 0;
    // HEAD errors have no body, so the SDK names them 'Unknown', 'NotFound' or after the status.
    const code = e.name && !/^(Unknown|NotFound|\d+)$/.test(e.name) ? e.name : undefined;
    return { status, code, credentials: e.name === 'CredentialsProviderError' };
}
/** What S3's port can say about each failure: which permission, which credentials. */
function s3Detail(kind, listing, bucket, err) {
    switch (kind) {
        case 'forbidden':
            return listing
                ? `the credentials need s3:ListBucket on ${bucket}`
                : `the credentials need s3:GetObject on v1/processed_crash/* and s3:ListBucket on ${bucket} ` +
                    '(without ListBucket, S3 answers 403 instead of 404 for crashes that were never processed)';
        case 'no-such-bucket':
            return `check the bucket name (${bucket}) and the region`;
        case 'unauthenticated':
            return 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the role the job assumes';
        case 'no-credentials':
            return `the AWS SDK's default chain found none (${err ? oneLine(err) : 'no detail'})`;
        case 'clock-skew':
            return "S3 refuses requests signed more than 15 minutes from its time: set this machine's clock (NTP)";
        case 'signature':
            return 'check AWS_SECRET_ACCESS_KEY, and that the endpoint is the bucket\'s region';
        default:
            return err ? oneLine(err) : '';
    }
}
/**
 * The S3 store. Listings go through the SDK; HEADs are signed here (sigv4.ts) with the
 * endpoint, signing region, credentials and clock offset the SDK resolved, and sent on
 * keep-alive agents: the SDK's per-request machinery cost several times the CPU of the request
 * (bench/README.md). Anything the direct path does not handle goes through the SDK.
 */
function s3Store(opts) {
    const maxSockets = opts.maxSockets ?? 128;
    const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    const httpAgent = new external_node_http_.Agent(agentOpts);
    const httpsAgent = new external_node_https_.Agent(agentOpts);
    const requestTimeout = opts.requestTimeoutMs ?? 30_000;
    const Bucket = opts.bucket;
    // The SDK is loaded on first use: reprocess never needs it, and it is a third of the CLI's memory.
    let clients;
    const sdkClients = () => (clients ??= __nccwpck_require__.e(/* import() */ 711).then(__nccwpck_require__.t.bind(__nccwpck_require__, 3711, 19)).then((sdk) => {
        const common = {
            region: opts.region || 'us-west-2',
            endpoint: opts.endpoint || undefined,
            forcePathStyle: opts.pathStyle ?? false,
            credentials: opts.credentials,
            requestHandler: { httpAgent, httpsAgent, connectionTimeout: 10_000, requestTimeout },
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            // One attempt: retries are the caller's (core/retry.ts), so they never stack on the SDK's.
            maxAttempts: 1,
        };
        return { sdk, lister: new sdk.S3Client(common), header: new sdk.S3Client(common) };
    }));
    const failure = (kind, what, status, code, listing, err) => new StoreError(kind, storeMessage('S3', kind, what, status, s3Detail(kind, listing, Bucket, err)), { status, code, cause: err });
    const sdkHead = async (key) => {
        const { sdk, header } = await sdkClients();
        try {
            const out = await header.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
            return classifyObjectAnswer(out.$metadata.httpStatusCode ?? 200);
        }
        catch (err) {
            const a = answerOf(err);
            if (a.credentials)
                return failure('no-credentials', 'a HEAD of a processed crash', 0, undefined, false, err);
            if (a.status === 0 && err.name === 'TypeError')
                throw err; // a bug, not an answer
            const v = classifyObjectAnswer(a.status, a.code);
            return v === 'found' || v === 'missing' ? v : failure(v, 'a HEAD of a processed crash', a.status, a.code, false, err);
        }
    };
    /** Keys in (from, to]: S3 can start after a key but not stop at one, so the page is cut here. */
    const listOnce = async (q) => {
        const { sdk, lister } = await sdkClients();
        const out = await lister.send(new sdk.ListObjectsV2Command({
            Bucket,
            Prefix: q.prefix,
            StartAfter: q.token ? undefined : q.from,
            ContinuationToken: q.token,
            MaxKeys: q.maxKeys,
        }));
        const objects = [];
        for (const o of out.Contents ?? []) {
            const key = o.Key ?? '';
            if (q.to !== undefined && key > q.to)
                return { objects };
            objects.push({ key, savedAt: o.LastModified?.getTime() });
        }
        return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
    };
    // How HEADs go: resolved once from the SDK (null: through the SDK), and the clock offset the SDK measured.
    let target;
    let direct;
    let creds;
    let credsAt = 0;
    let clockOffsetMs = 0;
    let confirming;
    let refused;
    const useSdkFromNowOn = (why) => {
        if (direct === null)
            return;
        direct = null;
        opts.log?.warn(`S3: ${why}; every HEAD now goes through the AWS SDK (correct, but several times the CPU a request)`);
    };
    const resolveDirect = async () => {
        const t = await (target ??= (async () => {
            const { sdk, header } = await sdkClients();
            return probeHeadTarget(sdk, header, Bucket);
        })());
        if (direct !== undefined)
            return;
        if (!t) {
            useSdkFromNowOn('the signed HEAD path does not handle this bucket or endpoint');
            return;
        }
        direct = { target: t, signer: new SigV4Signer(t.signingRegion, t.signingName) };
    };
    /**
     * A 403 from the direct path may be ours (a signature the SDK would have made differently, a
     * skewed clock), not the store's verdict on the credentials: make the same HEAD through the
     * SDK, which corrects its clock from the answer, before stopping a run over it.
     */
    const confirm403 = async (key, serverDate) => {
        const server = serverDate ? Date.parse(serverDate) : NaN;
        if (Number.isFinite(server) && Math.abs(server - (Date.now() + clockOffsetMs)) >= SKEW_MS) {
            clockOffsetMs = server - Date.now();
            opts.log?.warn(`S3: this machine's clock is ${Math.round(clockOffsetMs / 1000)} s off the store's; signing with the store's time`);
            return failure('unavailable', 'a HEAD of a processed crash', 403, 'RequestTimeTooSkewed', false);
        }
        const viaSdk = await sdkHead(key);
        if (!(viaSdk instanceof StoreError)) {
            useSdkFromNowOn('S3 refused a HEAD signed here that it accepted from the SDK');
            return viaSdk;
        }
        if (viaSdk.kind !== 'forbidden')
            return viaSdk;
        // HEAD answers have no body: a listing's error names the cause (AccessDenied, clock, signature).
        try {
            await listOnce({ prefix: 'v1/processed_crash/', maxKeys: 1 });
        }
        catch (err) {
            const a = answerOf(err);
            const kind = classifyListFailure(a.status, a.code);
            if (kind === 'clock-skew' || kind === 'signature' || kind === 'unauthenticated') {
                return failure(kind, 'a HEAD of a processed crash', 403, a.code, false, err);
            }
        }
        return viaSdk;
    };
    const directHead = (t, signer, c, key) => {
        const path = t.pathPrefix + key;
        const date = signer.now(Date.now() + clockOffsetMs);
        const authorization = signer.headAuthorization(c, t.host, path, date);
        // Raw header pairs: no per-header validation and lower-casing inside node:http.
        const headers = c.sessionToken
            ? ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'x-amz-security-token', c.sessionToken, 'authorization', authorization, 'user-agent', USER_AGENT]
            : ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', authorization, 'user-agent', USER_AGENT];
        const options = {
            agent: t.https ? httpsAgent : httpAgent,
            hostname: t.hostname,
            port: t.port,
            method: 'HEAD',
            path,
            headers: headers,
            setHost: false,
            timeout: requestTimeout,
        };
        return new Promise((resolve) => {
            const onResponse = (res) => {
                res.resume();
                const status = res.statusCode ?? 0;
                resolve(status === 403 ? { status, date: res.headers.date } : { status });
            };
            const req = t.https ? (0,external_node_https_.request)(options, onResponse) : (0,external_node_http_.request)(options, onResponse);
            req.on('timeout', () => req.destroy());
            // No answer (reset, refused, timeout): status 0, worth another try. Later events are no-ops.
            req.on('error', () => resolve({ status: 0 }));
            req.on('close', () => resolve({ status: 0 }));
            req.end();
        });
    };
    return {
        kind: 's3',
        bucket: Bucket,
        async listPage(q) {
            for (let tries = 1;; tries++) {
                try {
                    return await listOnce(q);
                }
                catch (err) {
                    const a = answerOf(err);
                    if (a.credentials)
                        throw failure('no-credentials', `a listing of ${q.prefix}`, 0, undefined, true, err);
                    if (a.status === 0 && err.name === 'TypeError')
                        throw err;
                    const kind = classifyListFailure(a.status, a.code);
                    // The SDK has just corrected its clock from this answer: one more try cures it.
                    if (kind === 'clock-skew' && tries === 1)
                        continue;
                    throw failure(kind, `a listing of ${q.prefix}`, a.status, a.code, true, err);
                }
            }
        },
        async head(key) {
            if (direct === undefined)
                await resolveDirect();
            if (!direct || !PLAIN_KEY.test(key))
                return sdkHead(key);
            const now = Date.now();
            if (creds === undefined || now - credsAt > CREDENTIALS_RECHECK_MS) {
                const { lister, header } = await sdkClients();
                try {
                    // The SDK's provider: its default chain, memoized and refreshed before expiry.
                    creds = (await header.config.credentials());
                    credsAt = now;
                }
                catch (err) {
                    return failure('no-credentials', 'a HEAD of a processed crash', 0, undefined, false, err);
                }
                // Measured by the SDK from its answers' Date (the bucket check's listing among them).
                clockOffsetMs = lister.config.systemClockOffset || clockOffsetMs;
            }
            const { status, date } = await directHead(direct.target, direct.signer, creds, key);
            if (status === 403) {
                // Once S3 has refused for good, the HEADs still in flight get the same answer without asking again.
                if (refused)
                    return refused;
                const v = await (confirming ??= confirm403(key, date).finally(() => (confirming = undefined)));
                if (v instanceof StoreError && v.kind !== 'unavailable')
                    refused = v;
                return v;
            }
            const v = classifyObjectAnswer(status);
            return v === 'found' || v === 'missing' ? v : failure(v, 'a HEAD of a processed crash', status, undefined, false);
        },
        async close() {
            if (clients) {
                const { lister, header } = await clients;
                lister.destroy();
                header.destroy();
            }
            httpAgent.destroy();
            httpsAgent.destroy();
        },
    };
}
/**
 * Asks the SDK to build (not send) one HEAD, and keeps what it resolved: scheme, host, path
 * style, signing region. Anything the direct path does not do (another auth scheme, a query
 * string, an access point) gives undefined, and every HEAD then goes through the SDK.
 */
async function probeHeadTarget(sdk, client, bucket) {
    const cmd = new sdk.HeadObjectCommand({ Bucket: bucket, Key: PROBE_KEY });
    let seen;
    cmd.middlewareStack.add((_next, context) => (args) => {
        seen = { request: args.request, context: context };
        return Promise.reject(new Probed());
    }, { step: 'build', priority: 'low', name: 'socorroReprocessHeadProbe' });
    try {
        await client.send(cmd);
    }
    catch (err) {
        if (!(err instanceof Probed))
            return undefined;
    }
    if (!seen)
        return undefined;
    const req = seen.request;
    const endpoint = seen.context.endpointV2;
    const scheme = endpoint?.properties?.authSchemes?.[0];
    const path = req.path ?? '';
    if (req.method !== 'HEAD' ||
        (req.protocol !== 'http:' && req.protocol !== 'https:') ||
        !req.hostname ||
        Object.keys(req.query ?? {}).length > 0 ||
        !path.endsWith('/' + PROBE_KEY) ||
        (scheme && scheme.name !== 'sigv4')) {
        return undefined;
    }
    return {
        https: req.protocol === 'https:',
        hostname: req.hostname,
        port: req.port,
        host: req.headers?.host ?? (req.port ? `${req.hostname}:${req.port}` : req.hostname),
        pathPrefix: path.slice(0, path.length - PROBE_KEY.length),
        signingRegion: scheme?.signingRegion ?? (await client.config.region()),
        signingName: scheme?.signingName ?? 's3',
    };
}

;// CONCATENATED MODULE: ./src/ports/open-store.ts

/**
 * The store a configuration names. S3 credentials come from `env` when it has keys (the CLI's
 * environment, which tests pass in-process), else from the AWS SDK's default chain.
 */
function openStore(config, env, opts = {}) {
    const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
        : undefined;
    return s3Store({
        bucket: config.bucket,
        endpoint: config.endpoint,
        region: config.region,
        pathStyle: config.pathStyle,
        credentials,
        maxSockets: opts.maxSockets,
        log: opts.log,
    });
}

;// CONCATENATED MODULE: ./src/ports/socorro-api.ts


const NETWORK_CODES = new Set([
    'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN',
    'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
/** The body Socorro expects: `crash_ids` once per id, form-encoded. */
function reprocessingForm(crashIds, ruleset) {
    const form = new URLSearchParams();
    for (const id of crashIds)
        form.append('crash_ids', ruleset ? `${id}:${ruleset}` : id);
    return form.toString();
}
/**
 * Socorro's API over undici: one keep-alive pool, and undici's RetryAgent for 429, 5xx and
 * network errors with the project's one backoff policy (core/retry.ts), Retry-After honoured.
 */
function socorroApi(opts) {
    const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
    const reprocessing = new URL('api/Reprocessing/', base);
    const timeout = opts.timeoutMs ?? 60_000;
    const policy = opts.policy ?? API_RETRY;
    // Error pages can echo the request's headers (debug pages, some proxies): the token must not reach a log.
    const redact = (s) => (opts.token ? s.split(opts.token).join('[redacted]') : s);
    // undici is loaded on the first request: a dry run never pays for it.
    let lazy;
    const dispatcher = () => (lazy ??= makeDispatcher());
    const makeDispatcher = async () => {
        const { Agent, RetryAgent } = await __nccwpck_require__.e(/* import() */ 752).then(__nccwpck_require__.t.bind(__nccwpck_require__, 6752, 19));
        const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout });
        return new RetryAgent(agent, {
            // POST is not retried by default: a Reprocessing request only queues ids, and a repeat
            // of a batch whose answer was lost costs one extra processing, not a lost crash.
            methods: ['GET', 'POST'],
            statusCodes: [429, 500, 502, 503, 504],
            throwOnError: false,
            retry(err, ctx, cb) {
                const e = err;
                const attempt = ctx.state.counter;
                const transient = e.statusCode ? isRetryableApiStatus(e.statusCode) : NETWORK_CODES.has(e.code ?? '') || e.code === 'UND_ERR_REQ_RETRY';
                if (!transient || attempt >= policy.attempts)
                    return cb(err);
                const wait = backoffMs(policy, attempt, parseRetryAfter(e.headers?.['retry-after'], Date.now()));
                opts.onRetry?.(e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.message), attempt, wait);
                return setTimeout(() => cb(null), wait);
            },
        });
    };
    const headers = (extra) => ({
        ...extra,
        ...(opts.token ? { 'auth-token': opts.token } : {}),
        'user-agent': 'socorro-reprocess',
    });
    const call = async (method, url, extraHeaders, body) => {
        try {
            const res = await (await dispatcher()).request({ origin: url.origin, path: url.pathname + url.search, method, headers: headers(extraHeaders), body });
            const text = await res.body.text();
            const ok = res.statusCode >= 200 && res.statusCode < 300;
            return { status: res.statusCode, body: ok ? text : redact(text).slice(0, 500) };
        }
        catch (err) {
            const e = err;
            if (typeof e.statusCode === 'number')
                return { status: e.statusCode, body: redact(e.message) };
            return { status: 0, body: '', error: redact(e.code ? `${e.code}: ${e.message}` : e.message) };
        }
    };
    return {
        submit(crashIds) {
            return call('POST', reprocessing, { 'content-type': 'application/x-www-form-urlencoded' }, reprocessingForm(crashIds, opts.ruleset));
        },
        async close() {
            if (lazy)
                await (await lazy).close();
        },
    };
}

// EXTERNAL MODULE: ./node_modules/cli-progress/cli-progress.js
var cli_progress = __nccwpck_require__(8502);
var cli_progress_default = /*#__PURE__*/__nccwpck_require__.n(cli_progress);
;// CONCATENATED MODULE: ./src/cli/reporter.ts


/** A bar on a terminal, a line every few seconds otherwise (CI logs, pipes). Both on stderr. */
function cliReporter(stream = process.stderr, quiet = false) {
    const info = (msg) => {
        if (!quiet)
            stream.write(msg + '\n');
    };
    const warn = (msg) => stream.write(`warning: ${msg}\n`);
    if (quiet)
        return { info, warn, start: () => ({ update() { }, stop() { } }) };
    if (!stream.isTTY)
        return { info, warn, ...periodicProgress(info, 5000) };
    return {
        info,
        warn,
        start(label, total) {
            const bar = new (cli_progress_default()).SingleBar({
                stream,
                format: `${label} [{bar}] {percentage}% {value}/{total} {extra} eta {eta_formatted}`,
                etaBuffer: 200,
                fps: 5,
                hideCursor: true,
            }, (cli_progress_default()).Presets.shades_classic);
            bar.start(total, 0, { extra: '' });
            return {
                update(done, counts) {
                    bar.update(done, { extra: counts ? Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '' });
                },
                stop() {
                    bar.stop();
                },
            };
        },
    };
}

;// CONCATENATED MODULE: ./src/cli/main.ts













/** GitHub runs at most 256 jobs from one matrix: chunks meant for a workflow stay within it by default. */
const DEFAULT_MAX_CHUNKS = 256;
/** The options this CLI has, spelled as flags; the rest (the action's api-token, chunk) it does not have. */
const FLAGS = {
    dates: '--dates',
    bucket: '--bucket',
    layout: '--layout',
    chunkSize: '--chunk-size',
    maxChunks: '--max-chunks',
    since: '--since',
    until: '--until',
    concurrency: '--concurrency',
    apiUrl: '--api-url',
    batchSize: '--batch-size',
    sleep: '--sleep',
    max: '--max',
    allowMany: '--allow-many',
    ruleset: '--ruleset',
    dryRun: '--dry-run',
    endpoint: '--endpoint',
    region: '--region',
    pathStyle: '--path-style',
    skipInvalid: '--skip-invalid',
    out: '--out',
};
const spell = (name) => FLAGS[name];
/** Commander's parsed options (camelCase, as our option names) as RawOptions. */
function raw(o) {
    const r = {};
    for (const name of Object.keys(FLAGS)) {
        const v = o[name];
        if (typeof v === 'string' || typeof v === 'boolean')
            r[name] = v;
    }
    return r;
}
function addCommon(cmd) {
    return cmd
        .option('--out <dir>', 'folder for uuids.txt, chunks/, haves.txt, havenots.txt, reprocessed.txt', '.')
        .option('--endpoint <url>', 'S3 endpoint (default: AWS_ENDPOINT_URL_S3, else AWS)')
        .option('--region <region>', 'S3 region (default: AWS_REGION, else us-west-2)')
        .option('--path-style', 'path-style S3 URLs (for S3-compatible servers)')
        .option('-q, --quiet', 'no progress, only the summary and errors');
}
const EXAMPLES = `
Examples:
  $ socorro-reprocess list --bucket my-crashes --dates 20160915..20160916 --layout v2
  $ socorro-reprocess check chunks/uuids-0-50000.txt --bucket my-crashes
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess --dry-run
  $ SOCORRO_API_TOKEN=... socorro-reprocess reprocess

Exit codes: 0 done, 1 the run failed (partial results kept; rerun to finish), 2 bad usage or input (nothing done).
AWS credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...).
The contract: CONTRACT.md; files are one crash id per line.`;
async function main(argv, io = { stdout: (s) => process.stdout.write(s), stderr: process.stderr, env: process.env }) {
    const { env } = io;
    const ctx = { spell, env };
    const say = (line) => io.stdout(line + '\n');
    const program = new command_Command('socorro-reprocess')
        .description('Find Socorro crashes saved to S3 but never processed, and send them to the Reprocessing API.')
        .addHelpText('after', EXAMPLES)
        .configureOutput({
        writeOut: (s) => io.stdout(s),
        writeErr: (s) => io.stderr.write(s),
        // One line, like every other error: commander's message (and any "Did you mean" hint), then where the usage is.
        outputError: (s, write) => write(`${oneLine(s)} (run with --help for usage)\n`),
    })
        .exitOverride();
    addCommon(program
        .command('list')
        .description('List every raw crash saved on the dates: writes uuids.txt and chunks/uuids-{start}-{end}.txt')
        .requiredOption('--bucket <bucket>', 'S3 bucket holding the crashes')
        .requiredOption('--dates <dates>', 'YYYYMMDD, comma/space separated, or inclusive ranges YYYYMMDD..YYYYMMDD')
        .addOption(new option_Option('--layout <layout>', 'raw crash key layout: v1 (since Sep 2022) or v2 (May 2016 - Sep 2022)').default('v1'))
        .option('--chunk-size <n>', 'ids per chunk file', String(DEFAULT_CHUNK_SIZE))
        .option('--max-chunks <n>', 'the most chunk files to write: the chunk size is raised (with a warning) to stay within it. 256 is a GitHub matrix\'s job limit; 0 for no limit', String(DEFAULT_MAX_CHUNKS))
        .option('--since <HH:MM>', 'keep only raw crashes saved at or after this time (UTC) on each date')
        .option('--until <HH:MM>', 'keep only raw crashes saved up to the end of this minute (UTC) on each date')).action(async (o) => {
        const { store: config, list } = parseListOptions(raw(o), o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: 64, log: reporter });
        await (0,promises_.mkdir)(o.out, { recursive: true });
        try {
            const r = await runList(list, { store, reporter });
            say(`listed ${r.total} crash id(s) on ${list.dates.length} date(s) in ${formatDuration(r.elapsedMs)} (${r.requests} list requests)`);
            for (const d of r.dates)
                say(`  ${d.date}: ${d.listed}${d.junk ? `, ${d.junk} other key(s) ignored` : ''}${d.outsideWindow ? `, ${d.outsideWindow} outside --since/--until` : ''}`);
            say(`wrote ${r.uuidsFile} and ${r.plan.chunks.length} chunk(s) of up to ${r.plan.chunkSize} in ${o.out}/chunks/`);
        }
        finally {
            await store.close();
        }
    });
    addCommon(program
        .command('check')
        .description('HEAD v1/processed_crash/{id} for each id: appends to haves.txt (processed) or havenots.txt (404)')
        .argument('<file...>', 'files of crash ids (e.g. chunks/uuids-0-50000.txt)')
        .requiredOption('--bucket <bucket>', 'S3 bucket holding the crashes')
        .option('--concurrency <n>', 'HEAD requests in flight (lowered automatically while S3 throttles)', String(DEFAULT_CHECK_CONCURRENCY))
        .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')).action(async (files, o) => {
        const { store: config, check } = parseCheckOptions(raw(o), files, o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const store = openStore(config, env, { maxSockets: check.concurrency, log: reporter });
        await (0,promises_.mkdir)(o.out, { recursive: true });
        try {
            const r = await runCheck(check, { store, reporter });
            const rate = r.elapsedMs > 0 ? Math.round(((r.haves + r.havenots) * 1000) / r.elapsedMs) : 0;
            say(`checked ${r.haves + r.havenots} of ${r.input} id(s) in ${formatDuration(r.elapsedMs)} (${rate}/s): haves ${r.haves}, havenots ${r.havenots}` +
                `${r.skipped ? `, ${r.skipped} skipped (already classified)` : ''}${r.errors ? `, ${r.errors} not checked (errors)` : ''}`);
            if (r.throttled)
                say(`  the store throttled ${r.throttled} time(s); concurrency ended at ${r.finalConcurrency}`);
            if (r.failure)
                throw new RunError(r.failure);
        }
        finally {
            await store.close();
        }
    });
    addCommon(program
        .command('reprocess')
        .description("Submit crash ids to Socorro's Reprocessing API in batches; the ledger reprocessed.txt makes reruns safe")
        .argument('[file...]', 'files of crash ids (default: havenots.txt in --out)')
        .option('--api-url <url>', 'Socorro base URL', DEFAULT_API_URL)
        .option('--batch-size <n>', `ids per request (at most ${MAX_BATCH_SIZE})`, String(DEFAULT_BATCH_SIZE))
        .option('--sleep <seconds>', 'seconds from the start of one batch to the start of the next', String(DEFAULT_SLEEP_SECONDS))
        .option('--max <n>', 'refuse (send nothing) when more ids than this are to be sent', String(DEFAULT_MAX))
        .option('--allow-many', "send more than --max ids. Large jobs fill the processing queue and can page Socorro's on-call: tell them first (#crashreporting on Matrix)")
        .addOption(new option_Option('--ruleset <name>', 'processing ruleset').choices(RULESETS))
        .option('--dry-run', 'say what would be sent; send nothing')
        .option('--skip-invalid', 'drop input lines that are not crash ids instead of refusing the file')
        .addHelpText('after', "\nThe API token is read from SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN; it needs the 'Reprocess Crashes' permission.")).action(async (files, o) => {
        const { api, reprocess } = parseReprocessOptions(raw(o), files, o.out, ctx);
        const reporter = cliReporter(io.stderr, o.quiet);
        const interrupt = interruptSignal((m) => io.stderr.write(m + '\n'));
        const r = await runReprocess({ ...reprocess, signal: interrupt.signal }, { api: (onRetry) => socorroApi({ ...api, onRetry }), reporter, spell }).finally(() => interrupt.dispose());
        if (r.dryRun) {
            say(`dry run: ${r.toSend} id(s) would be submitted in ${r.batches} batch(es) to ${api.apiUrl}/api/Reprocessing/` +
                `${r.alreadySubmitted ? ` (${r.alreadySubmitted} already in the ledger)` : ''}; nothing was sent`);
            return;
        }
        say(`submitted ${r.submitted} of ${r.toSend} id(s) in ${r.batches} batch(es), ${formatDuration(r.elapsedMs)}` +
            `${r.rejected ? `; ${r.rejected} rejected as invalid (rejected.txt)` : ''}` +
            `${r.alreadySubmitted ? `; ${r.alreadySubmitted} already in the ledger` : ''}; ledger ${r.ledgerFile}`);
        if (r.failure)
            throw new RunError(r.failure);
    });
    try {
        if (argv.length === 0) {
            program.outputHelp();
            return 2;
        }
        await program.parseAsync(argv, { from: 'user' });
        return 0;
    }
    catch (err) {
        if (err instanceof CommanderError) {
            if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
                return 0;
            return 2; // commander already printed its one-line error
        }
        io.stderr.write(`error: ${oneLine(err)}\n`);
        return exitCodeFor(err);
    }
}

;// CONCATENATED MODULE: ./src/cli/index.ts

void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
});

