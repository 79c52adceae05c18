// The filter box of /regions/: shows the provinces, cities and counties
// whose names contain what the reader types, unfolding a province when the
// match is below it. Without JavaScript the box stays hidden and the full
// list is shown.
(function () {
  var box = document.getElementById('region-filter-box');
  var input = document.getElementById('region-filter');
  var status = document.getElementById('region-filter-status');
  var provinces = Array.prototype.slice.call(document.querySelectorAll('.region-province'));
  box.hidden = false;
  input.addEventListener('input', function () {
    var query = input.value.trim();
    var shown = 0;
    provinces.forEach(function (province) {
      var details = province.querySelector('details');
      var places = Array.prototype.slice.call(province.querySelectorAll('.region-children li'));
      var own = province.querySelector('.region-name a').textContent.indexOf(query) >= 0;
      var below = 0;
      places.forEach(function (place) {
        var match = !query || own || place.textContent.indexOf(query) >= 0;
        place.hidden = !match;
        if (match && query) below += 1;
      });
      province.hidden = Boolean(query) && !own && below === 0;
      if (details) details.open = Boolean(query) && below > 0 && !own;
      if (!province.hidden) shown += 1;
    });
    status.textContent = query ? (shown ? '找到 ' + shown + ' 个省级地区' : '没有找到“' + query + '”') : '';
  });
})();
